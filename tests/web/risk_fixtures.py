"""Fixtures of the risk-register tests: ``pytest_plugins = ["tests.web.risk_fixtures"]``
in a test module (tests/conftest.py belongs to the foundation). Helpers live in
tests/web/risk_helpers.py."""

from __future__ import annotations

from datetime import date

import pytest

from riskreg.domain.periods import Period


@pytest.fixture
def set_today(app, monkeypatch):
    """``set_today("2022-06-15")``: fix the app's "today" (restored after the test);
    returns the period it falls in."""

    def _set(iso: str) -> Period:
        monkeypatch.setitem(app.config, "RISKREG_TODAY", iso)
        return Period.containing(date.fromisoformat(iso))

    return _set


@pytest.fixture
def second_owner(make_user, login_as):
    """A second risk owner on NLL-RS (the same unit as the demo owner)."""
    make_user("riskagare2@norrbotten.example", "owner", "NLL-RS", "Rolf Andraägare")
    return login_as("riskagare2@norrbotten.example")
