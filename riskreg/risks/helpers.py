"""Template helpers of the risk feature (registered on the app by the blueprint)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models.audit import AuditEvent
from ..models.risks import Risk
from .permissions import TEMPLATE_RULES


def audit_action(action: str) -> str:
    labels = {
        "create": _("Created"),
        "update": _("Changed"),
        "assess": _("Assessed"),
        "reassign": _("New risk owner"),
        "archive": _("Archived"),
    }
    return labels.get(action, action)


def audit_field(key: str) -> str:
    """A readable label for a field named in an audit event."""
    labels = {
        "kind": _("Kind"), "plan_id": _("Plan"), "number": _("Number"), "unit_id": _("Unit"),
        "owner_id": _("Risk owner"), "owner": _("Risk owner"),
        "success_factor_id": _("Success factor"), "event": _("What can happen? (the risk)"),
        "consequence_text": _("What is the consequence?"), "cause": _("Cause"),
        "mitigation": _("What needs to be done?"), "control_method": _("Control method"),
        "handling_question": _("Handling of the risk"), "handling_type": _("Type of handling"),
        "method": _("Method of risk handling"), "period": _("Period"),
        "likelihood": _("Likelihood"), "consequence": _("Consequence"),
        "value": _("Risk value"), "comment": _("Comment"), "archived": _("Archived"),
        "reason": _("Reason"), "archive_reason": _("Reason"),
    }
    return labels.get(key, key)


def audit_value(value, key: str | None = None,
                names: dict[tuple[str, int], str] | None = None) -> str:
    """A value of an audit event as a reader wants it: names for ids, words for codes."""
    if value is None or value == "":
        return "–"
    if names and (key, value) in names:
        return names[(key, value)]
    if key == "kind":
        return _("Success-factor risk") if value == "success_factor" else _("Unit risk")
    if key == "handling_type":
        return {"control": _("Control"), "measure": _("Measure")}.get(value, str(value))
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return str(value)


def conflict_current(risk: Risk, key: str) -> str:
    """The saved value for a field named in a conflicting form."""
    if key in ("period", "likelihood", "consequence", "comment"):
        latest = risk.assessments[-1] if risk.assessments else None
        value = getattr(latest, key, None) if latest else None
    elif key == "owner_id":
        value = risk.owner.name
    else:
        value = getattr(risk, key, None)
    return "–" if value is None else str(value)


def conflict_events(risk: Risk, limit: int = 5) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "risk",
                                 AuditEvent.object_id == risk.id)
        .order_by(AuditEvent.id.desc()).limit(limit)))


def my_api_tokens():
    from ..api.tokens import active_tokens

    return active_tokens(current_user) if current_user.is_authenticated else []


HELPERS = {
    "my_api_tokens": my_api_tokens,
    "audit_action": audit_action,
    "audit_field": audit_field,
    "audit_value": audit_value,
    "conflict_current": conflict_current,
    "conflict_events": conflict_events,
    **TEMPLATE_RULES,
}
