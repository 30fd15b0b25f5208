"""Recording who changed what. Services call ``record`` beside their change; the request's
unit of work (uow.py) commits both or neither, so the event lands in the same transaction
as the change or not at all."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from .domain.periods import Period
from .extensions import db
from .models.audit import AuditEvent
from .models.users import User


def _plain(value: Any) -> Any:
    """JSON-safe form of a column value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Period):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


def diff(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, as (old, new)."""
    keys = [k for k in new if old.get(k) != new.get(k)]
    return {k: old.get(k) for k in keys}, {k: new[k] for k in keys}


def record(
    actor: User | None,
    object_type: str,
    object_id: int | None,
    action: str,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    unit_id: int | None = None,
) -> AuditEvent:
    """Add one audit event to the current transaction (the caller commits)."""
    event = AuditEvent(
        user_id=actor.id if actor is not None else None,
        object_type=object_type,
        object_id=object_id,
        action=action,
        old=_plain(old) if old is not None else None,
        new=_plain(new) if new is not None else None,
        unit_id=unit_id,
    )
    db.session.add(event)
    return event
