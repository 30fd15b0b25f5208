"""Following up what is overdue (issue 13, item 4): each organisation's re-assessment
deadline (days after a tertial ends, set by its administrators), shown with the due date
in the register (with a "not re-assessed in the period" filter) and on the start page,
where a coordinator who owns no risks sees the risks of their units."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import AuditEvent, RiskScale
from tests.conftest import unit
from tests.helpers.forms import scale_form
from tests.helpers.heatmaps import parse_html
from tests.helpers.risks import register_ids, risk


@pytest.mark.parametrize(("period", "end"), [
    (Period(2022, 1), date(2022, 4, 30)), (Period(2024, 1), date(2024, 4, 30)),
    (Period(2022, 2), date(2022, 8, 31)), (Period(2022, 3), date(2022, 12, 31))])
def test_a_tertial_ends_and_its_re_assessments_fall_due(period, end):
    assert period.end_date == end
    assert period.due_date(14) == date.fromordinal(end.toordinal() + 14)
    assert period.due_date(0) == end


def assessed_in(period: str) -> set[int]:
    return {r.id for r in (risk("NLL", n) for n in range(1, 18) if n != 5)
            if any(str(a.period) == period for a in r.assessments)}


def test_the_register_filters_the_risks_not_re_assessed(coordinator, t2):
    html = coordinator.get("/risks/", query_string={"period": "2022-T2", "awaiting": "y",
                                                    "unit": unit("NLL-RS").id,
                                                    "include_subunits": "y"}
                           ).get_data(as_text=True)
    listed = set(register_ids(html))
    every = {risk("NLL", n).id for n in range(1, 18) if n != 5}
    assert listed == every - assessed_in("2022-T2")
    assert listed and listed != every
    doc = parse_html(html)
    # not yet due in June: the due date is 14 days after 31 August
    assert "2022-09-14" in doc.one("p", data_testid="due-date").text()
    for tr in doc.find_all("tr", data_risk_id=True):
        assert "2022-09-14" in tr.one("span", data_testid="reassess-status").text()
        assert tr.find_all("td")[3].text()  # the owner column


def test_after_the_deadline_the_register_says_overdue(coordinator, set_today):
    set_today("2022-09-20")
    doc = parse_html(coordinator.get("/risks/", query_string={"period": "2022-T2",
                                                             "awaiting": "y"}
                                     ).get_data(as_text=True))
    assert "overdue" in (doc.one("p", data_testid="due-date").get("class") or "")
    statuses = doc.find_all("span", data_testid="reassess-status")
    assert statuses and all("overdue" in s.get("class") for s in statuses)


def test_a_coordinator_without_risks_of_their_own_sees_their_units_awaiting(coordinator,
                                                                            set_today):
    set_today("2022-09-20")  # in 2022-T3: nothing assessed yet, 2022-T3 due 2023-01-14
    doc = parse_html(coordinator.get("/").get_data(as_text=True))
    panel = doc.one("section", data_testid="awaiting-units")
    assert len(panel.find_all("li")) == 16 - len(assessed_in("2022-T3")) > 0
    assert "2023-01-14" in panel.one("p", data_testid="awaiting-units-due").text()
    assert doc.find("section", data_testid="awaiting-own") is None
    link = panel.find_all("a")[-1].get("href")
    assert "awaiting=y" in link and "period=2022-T3" in link


def test_an_administrator_sets_the_deadline_with_an_audit_event(login_as):
    admin = login_as("admin@norrbotten.example")
    root = unit("NLL")
    response = admin.post_form(f"/admin/scale/{root.id}", scale_form(reassess_days=30))
    assert response.status_code == 302
    row = db.session.scalar(select(RiskScale).where(RiskScale.unit_id == root.id))
    assert row.reassess_days == 30
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.object_type == "risk_scale").order_by(AuditEvent.id.desc()))
    assert event.new.get("reassess_days") == 30
    bad = admin.post_form(f"/admin/scale/{root.id}", scale_form(reassess_days=500))
    assert bad.status_code == 400
    assert "reassess_days-err" in bad.get_data(as_text=True)
