"""The start page: the user's units and roles, the current period, what to do next."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import url_for

from riskreg.domain.periods import Period
from tests.conftest import DEMO_USERS, assignments_of


@pytest.fixture
def fixed_today(app, monkeypatch):
    today = date(2022, 5, 2)
    monkeypatch.setitem(app.config, "RISKREG_TODAY", today.isoformat())
    return Period.containing(today)


@pytest.mark.parametrize("role", list(DEMO_USERS))
def test_start_page_shows_units_and_current_period(as_role, fixed_today, role):
    html = as_role(role).get("/").get_data(as_text=True)
    period = re.search(r'data-testid="current-period">([^<]*)<', html).group(1)
    assert str(fixed_today) in period and fixed_today.report_name in period
    assignments = assignments_of(DEMO_USERS[role])
    admin = any(a.role == "admin" for a in assignments)
    for assignment in assignments:
        assert f"<td>{assignment.unit.name}</td>" in html
        # unit codes are for administrators only (issue 13, item 9)
        assert (f"<td>{assignment.unit.code}</td>" in html) is admin


@pytest.mark.parametrize("role", list(DEMO_USERS))
def test_administration_is_offered_to_administrators_only(as_role, app, role):
    html = as_role(role).get("/").get_data(as_text=True)
    with app.test_request_context():
        admin_link = f'href="{url_for("admin.index")}"'
    is_admin = any(a.role == "admin" for a in assignments_of(DEMO_USERS[role]))
    assert (admin_link in html) is is_admin
