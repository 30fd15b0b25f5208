"""One unit of work per request (riskreg/uow.py), seen from outside: a write that touches
many objects is all or nothing by construction, whichever step fails; a refused form saves
nothing even when objects had already changed; a read never saves what it changed.

Each test first proves that the half-write really reached the database (the INSERTs and
UPDATEs were sent, in the statement log), then that nothing of it is left afterwards: every
table as before (``db_state``), and no risk, assessment, number or audit event of it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from riskreg import audit
from riskreg.extensions import db
from riskreg.models import AuditEvent
from riskreg.models.numbering import NumberSeries
from riskreg.models.risks import Risk, RiskAssessment
from riskreg.risks import queries, routes, services
from riskreg.services import ServiceError
from riskreg.uow import Attempt
from riskreg.web import form_error
from tests.conftest import db_state, field_errors, translated, unit
from tests.helpers.risks import new_risk_data, risk

EVENT = "Risk för att testdata läcker ut"  # new_risk_data's event text
SERVER_ERROR = "Something went wrong on our side. The change was not saved."


def new_url() -> str:
    return f"/risks/new?unit={unit('NLL-RS').id}"


def first_assessment() -> dict:
    """The new-risk form with a first assessment: a risk, its assessment, a number of the
    plan's series and two audit events ("create", "assess") in one request."""
    return new_risk_data(period="2022-T2", likelihood="3", consequence="4")


def numbers() -> list[tuple]:
    db.session.expire_all()
    return [tuple(r) for r in db.session.execute(
        select(NumberSeries.series, NumberSeries.plan_id, NumberSeries.last)
        .order_by(NumberSeries.series, NumberSeries.plan_id))]


def last_audit_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def assert_all_written(writes: list[str]) -> None:
    """The request had written the risk, its assessment and the plan's number."""
    written = " | ".join(writes)
    for table in ("risk", "risk_assessment"):
        assert f"INSERT INTO {table} " in written, (table, written)
    assert "number_series" in written, written


def assert_nothing_saved(before: dict, numbers_before: list, audit_before: int) -> None:
    assert db.session.scalar(select(Risk.id).where(Risk.event == EVENT)) is None
    assert db.session.scalar(select(func.count()).select_from(RiskAssessment)
                             .join(Risk).where(Risk.event == EVENT)) == 0
    assert numbers() == numbers_before
    assert last_audit_id() == audit_before
    assert db_state() == before


@pytest.fixture
def snapshot(app):
    """What the database holds before the request: (every row, the number series, the
    last audit event)."""
    return lambda: (db_state(), numbers(), last_audit_id())


# -- a failure at the last step of a multi-object write -------------------------------------
def test_the_last_audit_event_failing_leaves_no_half_created_risk(
        coordinator, t2, monkeypatch, statement_log, snapshot):
    """The risk, its assessment and its number are written and the "create" event is
    recorded; then the last step (the "assess" event) fails: a 500 page, nothing saved."""
    url, data = new_url(), first_assessment()
    coordinator.get(url)
    before = snapshot()
    real, recorded = audit.record, []

    def last_step_fails(actor, object_type, object_id, action, *args, **kwargs):
        recorded.append(action)
        if action == "assess":
            raise RuntimeError("the audit log is unavailable")
        return real(actor, object_type, object_id, action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", last_step_fails)
    with statement_log() as log:
        response = coordinator.post_form(url, data)
    monkeypatch.undo()
    assert response.status_code == 500
    assert translated(SERVER_ERROR) in response.get_data(as_text=True)
    assert recorded == ["create", "assess"]  # it failed at the last step, not the first
    assert_all_written(log.writes)
    assert_nothing_saved(*before)


def test_the_final_flush_failing_leaves_no_half_created_risk(
        coordinator, t2, monkeypatch, statement_log, snapshot):
    """Everything is written but the two audit events, which the final flush sends; the
    database refuses the last one (its action is missing): a 500 page, nothing saved."""
    url, data = new_url(), first_assessment()
    coordinator.get(url)
    before = snapshot()
    real = audit.record

    def broken_last_event(actor, object_type, object_id, action, *args, **kwargs):
        event = real(actor, object_type, object_id, action, *args, **kwargs)
        if action == "assess":
            event.action = None  # NOT NULL: the INSERT of the final flush fails
        return event

    monkeypatch.setattr(audit, "record", broken_last_event)
    with statement_log() as log:
        response = coordinator.post_form(url, data)
    monkeypatch.undo()
    assert response.status_code == 500
    assert translated(SERVER_ERROR) in response.get_data(as_text=True)
    assert_all_written(log.writes)
    assert any(w.startswith("INSERT INTO audit_event") for w in log.writes), log.writes
    assert_nothing_saved(*before)


# -- a refused form after objects had changed ----------------------------------------------
def test_a_refusal_after_the_objects_changed_saves_nothing(
        coordinator, t2, monkeypatch, statement_log, snapshot):
    """The service had created and flushed everything, then refused (ServiceError): the
    form comes back with the message (400) and the half-write is gone."""
    url, data = new_url(), first_assessment()
    coordinator.get(url)
    before = snapshot()
    real = services.create_risk

    def create_then_refuse(*args, **kwargs):
        created = real(*args, **kwargs)
        db.session.flush()
        assert created.id is not None
        raise ServiceError("Refused at the last moment.", "event")

    monkeypatch.setattr(services, "create_risk", create_then_refuse)
    with statement_log() as log:
        response = coordinator.post_form(url, data)
    monkeypatch.undo()
    assert response.status_code == 400
    assert "Refused at the last moment." in field_errors(response, "event")
    assert_all_written(log.writes)
    assert_nothing_saved(*before)


def test_a_4xx_answer_is_rolled_back_even_without_an_exception(
        coordinator, t2, monkeypatch, statement_log, snapshot):
    """A view that changed objects and then answers with a refused form (400) — here an
    ``attempt`` that forgets to undo — is rolled back by the unit of work itself."""
    url, data = new_url(), first_assessment()
    coordinator.get(url)
    before = snapshot()

    def attempt_without_undo(write, form=None):
        write()
        db.session.flush()
        form_error(form, ServiceError("Refused without undoing.", "event"))
        return Attempt(False)

    monkeypatch.setattr(routes, "attempt", attempt_without_undo)
    with statement_log() as log:
        response = coordinator.post_form(url, data)
    monkeypatch.undo()
    assert response.status_code == 400
    assert "Refused without undoing." in field_errors(response, "event")
    assert_all_written(log.writes)
    assert_nothing_saved(*before)


# -- a read ---------------------------------------------------------------------------------
def test_a_read_that_changed_an_object_saves_nothing(coordinator, monkeypatch, statement_log):
    """A GET whose view changed and flushed the risk (by mistake) answers 200, and the
    change is rolled back: reads never write, by construction."""
    r = risk("NLL", 3)
    before = db_state()
    real = queries.history

    def history_that_writes(risk_obj, *args, **kwargs):
        risk_obj.event = "Ändrad av en läsning"
        db.session.flush()
        return real(risk_obj, *args, **kwargs)

    monkeypatch.setattr(queries, "history", history_that_writes)
    with statement_log() as log:
        response = coordinator.get(f"/risks/{r.id}")
    monkeypatch.undo()
    assert response.status_code == 200
    assert any(w.startswith("UPDATE risk SET") for w in log.writes), log.writes
    assert db_state() == before
    assert risk("NLL", 3).event != "Ändrad av en läsning"
