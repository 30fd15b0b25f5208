"""Display labels: every code the interface shows as words, in one place.

The tables hold lazy strings; each function translates when it is called (inside a
request, in the user's language).
Templates reach them as globals of the same names (registered in ``create_app``)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ROLES = {"admin": _l("Administrator"), "coordinator": _l("Internal-control coordinator"),
         "owner": _l("Risk owner"), "board": _l("Board reviewer")}
UNIT_KINDS = {"region": _l("Region"), "board": _l("Board or committee"),
              "division": _l("Division"), "unit": _l("Area or unit")}
RISK_KINDS = {"success_factor": _l("Success-factor risk"), "unit": _l("Unit risk")}
HANDLING_TYPES = {"control": _l("Control"), "measure": _l("Measure")}
AUDIT_ACTIONS = {"create": _l("Created"), "update": _l("Changed"), "assess": _l("Assessed"),
                 "reassign": _l("New risk owner"), "archive": _l("Archived")}
AUDIT_FIELDS = {
    "kind": _l("Kind"), "plan_id": _l("Plan"), "number": _l("Number"), "unit_id": _l("Unit"),
    "owner_id": _l("Risk owner"), "owner": _l("Risk owner"),
    "success_factor_id": _l("Success factor"), "title": _l("Title"),
    "event": _l("What can happen? (the risk)"),
    "consequence_text": _l("What is the consequence?"), "cause": _l("Cause"),
    "mitigation": _l("What needs to be done?"), "control_method": _l("Control method"),
    "handling_question": _l("Handling of the risk"), "handling_type": _l("Type of handling"),
    "method": _l("Method of risk handling"), "period": _l("Period"),
    "likelihood": _l("Likelihood"), "consequence": _l("Consequence"),
    "value": _l("Risk value"), "comment": _l("Comment"), "archived": _l("Archived"),
    "reason": _l("Reason"), "archive_reason": _l("Reason"),
}


def _label(labels: dict, code: str) -> str:
    """The label of ``code`` in the user's language; an unknown code as it is."""
    return str(labels[code]) if code in labels else code


def role_label(role: str) -> str:
    return _label(ROLES, role)


def unit_kind_label(kind: str) -> str:
    """The kind of an organisation unit (region, board, division, unit)."""
    return _label(UNIT_KINDS, kind)


def risk_kind_label(kind: str) -> str:
    """The kind of a risk (success-factor risk or unit risk)."""
    return _label(RISK_KINDS, kind)


def handling_type_label(code: str) -> str:
    return _label(HANDLING_TYPES, code)


def audit_action(action: str) -> str:
    return _label(AUDIT_ACTIONS, action)


def audit_field(key: str) -> str:
    """A readable label for a field named in an audit event or a conflicting form."""
    return _label(AUDIT_FIELDS, key)


def audit_value(value: Any, key: str | None = None,
                names: dict[tuple[str, int], str] | None = None) -> str:
    """A value of an audit event as a reader wants it: names for ids, words for codes."""
    if value is None or value == "":
        return "–"
    if names and (key, value) in names:
        return names[(key, value)]
    if key == "kind":
        return risk_kind_label(value)
    if key == "handling_type":
        return handling_type_label(value)
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return str(value)


TEMPLATE_GLOBALS = {
    "role_label": role_label,
    "unit_kind_label": unit_kind_label,
    "risk_kind_label": risk_kind_label,
    "audit_action": audit_action,
    "audit_field": audit_field,
    "audit_value": audit_value,
}
