"""Optimistic locking, shared by every versioned object (risks now; measures, controls and
plans as they come).

A versioned model maps SQLAlchemy's ``version_id_col``; its edit form is a
:class:`VersionedForm` (the version it was based on is a required hidden field); its service
calls :func:`check_version` before changing anything and :func:`flush` after, so that a
save that lost the race between the check and the UPDATE is a :class:`StaleVersion` too.
The unit of work (``uow.run_view``) answers every StaleVersion with :func:`conflict_response`:
the 409 page with the user's input against what is saved now and the latest changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, make_response, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField
from wtforms.validators import ValidationError

from .extensions import db
from .forms import FlaskForm, optional_id
from .models.audit import AuditEvent

CONFLICT_EVENTS = 5


class StaleVersion(Exception):
    """The form was based on an older version of ``obj`` (answered with 409).

    ``submitted`` is what the user sent (field → value); ``saved(obj)`` gives the values
    stored now (called after the failed transaction is rolled back); ``back(obj)`` is the
    URL of the object's page; ``audit_type`` names the object in the audit log."""

    def __init__(self, obj: Any, submitted: dict[str, Any], *, audit_type: str,
                 title: str, saved: Callable[[Any], dict[str, Any]],
                 back: Callable[[Any], str]) -> None:
        super().__init__("stale version")
        self.obj = obj
        self.submitted = submitted
        self.audit_type = audit_type
        self.title = title
        self.saved = saved
        self.back = back



class VersionedForm(FlaskForm):
    """Every edit form of a versioned object carries the version it was based on."""

    version = HiddenField(filters=[optional_id])

    def validate_version(self, field) -> None:
        if field.data is None:
            raise ValidationError(_l("The form is missing its version. Reload the page."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # A hidden field shows no errors of its own: say it for the whole form.
        self.form_errors.extend(e for e in self.version.errors if e not in self.form_errors)
        return ok


def check_version(obj: Any, expected: int | None, conflict: Callable[[], StaleVersion]
                  ) -> None:
    """Refuse a write based on another version than the saved one."""
    if expected is None or expected != obj.version:
        raise conflict()


def flush(conflict: Callable[[], StaleVersion]) -> None:
    """Flush the write; a concurrent save since :func:`check_version` is a conflict."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise conflict() from exc


def conflict_response(exc: StaleVersion) -> Response:
    """The 409 page (after the unit of work rolled back)."""
    obj = exc.obj
    db.session.refresh(obj)
    events = list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == exc.audit_type,
                                 AuditEvent.object_id == obj.id)
        .order_by(AuditEvent.id.desc()).limit(CONFLICT_EVENTS)))
    body = render_template("errors/conflict.html", title=exc.title, submitted=exc.submitted,
                           saved=exc.saved(obj), events=events, back=exc.back(obj),
                           audit_type=exc.audit_type)
    return make_response(body, 409)
