"""The demo looks current (issue 13, item 1): ``python -m riskreg.demo`` adds invented
assessments up to today's tertial, marked as demo data and signed by the demo account,
so that the default comparison with the previous tertial shows movement."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import Risk, RiskAssessment
from riskreg.risks.demo_history import awaits_assessment, extend_history
from riskreg.risks.seed import DEMO_ACCOUNT, demo_account
from riskreg.seed import load_yaml
from riskreg.uow import transaction
from tests.helpers.heatmaps import change_rows, parse_html

pytestmark = pytest.mark.usefixtures("app")
TODAY = "2025-06-15"  # 2025-T2: after both organisations' source data


def _active_risks() -> list[Risk]:
    return list(db.session.scalars(select(Risk).where(Risk.archived_at.is_(None))))


def test_seeded_invented_rows_are_marked_and_signed_by_the_demo_account():
    marked = {(r["number"], a["period"]) for f in ("risks_norrbotten.yaml",
                                                   "risks_sormland.yaml")
              for r in load_yaml(f)["risks"] for a in r["assessments"] if a.get("demo")}
    rows = db.session.scalars(select(RiskAssessment).where(RiskAssessment.demo)).all()
    assert {(a.risk.number, str(a.period)) for a in rows} == marked
    assert {a.assessed_by.email for a in rows} == {DEMO_ACCOUNT}
    source_rows = db.session.scalars(select(RiskAssessment).where(~RiskAssessment.demo)).all()
    assert DEMO_ACCOUNT not in {a.assessed_by.email for a in source_rows if a.assessed_by}


def test_the_demo_account_cannot_sign_in(client):
    account = demo_account()
    assert not account.active and not account.assignments
    response = client.login(DEMO_ACCOUNT, "!")
    assert response.status_code != 302


def test_history_reaches_today_and_is_idempotent(set_today):
    today = set_today(TODAY)
    with transaction():
        report = extend_history(today)
    assert report.assessments > 0
    for risk in _active_risks():
        periods = [a.period for a in risk.assessments]
        if awaits_assessment(risk.number):
            assert periods[-1] == today.previous(), risk.number
        else:
            assert periods[-1] == today, risk.number
        added = [a for a in risk.assessments if a.period > Period(2024, 2)]
        assert all(a.demo and a.assessed_by.email == DEMO_ACCOUNT for a in added)
        assert all(a.value == a.likelihood * a.consequence for a in risk.assessments)
    with transaction():
        assert extend_history(today).assessments == 0


def test_the_default_comparison_shows_movement(set_today, as_role):
    today = set_today(TODAY)
    with transaction():
        extend_history(today)
    response = as_role("coordinator").get("/heatmaps/")
    assert response.status_code == 200
    doc = parse_html(response.text)
    moved = [tr.get("data-direction") for tr in change_rows(doc).values()]
    assert "up" in moved and "down" in moved


def test_the_risk_page_marks_demo_rows(set_today, as_role):
    today = set_today(TODAY)
    with transaction():
        extend_history(today)
    risk = next(r for r in _active_risks() if not awaits_assessment(r.number))
    html = as_role("coordinator").get(f"/risks/{risk.id}").text
    assert 'data-testid="demo-mark"' in html
    assert "Demodata (påhittad)" in html
