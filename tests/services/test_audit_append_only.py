"""The audit log is append-only in the database itself: UPDATE and DELETE fail."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DatabaseError

from riskreg import audit
from riskreg.extensions import db
from riskreg.models import AuditEvent


def _one_event() -> int:
    event = audit.record(None, "test", None, "probe", None, {"x": 1})
    db.session.flush()
    return event.id


@pytest.mark.parametrize("statement", [
    lambda eid: update(AuditEvent).where(AuditEvent.id == eid).values(action="tampered"),
    lambda eid: delete(AuditEvent).where(AuditEvent.id == eid),
], ids=["update", "delete"])
def test_audit_rows_cannot_be_changed_or_removed(app, statement):
    event_id = _one_event()
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(DatabaseError, match="append-only"), db.session.begin_nested():
        db.session.execute(statement(event_id))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before
    assert db.session.get(AuditEvent, event_id).action == "probe"


def test_new_audit_rows_are_still_written(app):
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    _one_event()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before + 1
