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
                 "reassign": _l("New risk owner"), "archive": _l("Archived"),
                 "link": _l("Linked to a risk"), "unlink": _l("Unlinked from a risk"),
                 "follow_up": _l("Followed up"), "carry_forward": _l("Carried forward"),
                 "finish": _l("Finished"), "cancel": _l("Cancelled"),
                 "retire": _l("Retired"), "reinstate": _l("Taken into use again"),
                 "move": _l("Moved"),
                 # internal control (riskreg/controls)
                 "adopt": _l("Adopted"), "amend": _l("Amended after adoption"),
                 "close": _l("Closed"), "period_reported": _l("Follow-up reported"),
                 "results": _l("Results recorded"), "measure": _l("Measure from deviation"),
                 "evidence_add": _l("Evidence attached"),
                 "evidence_delete": _l("Evidence removed")}
MEASURE_STATES = {"active": _l("Active"), "finished": _l("Finished"),
                  "cancelled": _l("Cancelled")}
# Goal fulfilment (Måluppfyllelse) and trend (Utveckling): words beside every symbol,
# so that colour and arrows are never the only signal.
FULFILMENTS = {"met": _l("Met"), "partly": _l("Partly met"), "not_met": _l("Not met")}
TRENDS = {"up": _l("Up"), "down": _l("Down"), "flat": _l("Unchanged")}
TREND_ARROWS = {"up": "↑", "down": "↓", "flat": "→"}
KPI_KINDS = {"styrmatt": _l("Styrmått"), "kontrollmatt": _l("Kontrollmått")}
DIRECTIONS = {"higher": _l("Higher is better"), "lower": _l("Lower is better")}
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
    "description": _l("Description"), "background": _l("Background"),
    "start_date": _l("Start date"), "due_date": _l("Due date"), "goal_text": _l("Goal"),
    "responsible_id": _l("Responsible"), "risk_id": _l("Risk"), "status": _l("Status"),
    "result": _l("Result"), "carried_forward": _l("Carried forward"), "state": _l("State"),
    "name": _l("Name"), "position": _l("Position"), "retired": _l("Retired"),
    "baseline": _l("Baseline (Ingångsvärde)"), "source": _l("Source (Källa)"),
    "follow_up": _l("Follow-up periods"), "targets": _l("Targets per year"),
    "direction": _l("Which way is better"), "split_by_sex": _l("Split by sex (K and M)"),
    "total": _l("Outcome, total"), "women": _l("Outcome, women (K)"),
    "men": _l("Outcome, men (M)"),
    "status_by_hand": _l("Set by hand"), "status_comment": _l("Why (required when set by hand)"),
    "risk_number": _l("Risk"), "parent_id": _l("Belongs to"),
    "start_year": _l("First year"), "end_year": _l("Last year"),
    "risk_ids": _l("Risks"), "unit_ids": _l("Units"), "year": _l("Year"),
    "decided_on": _l("Date of the decision"), "paragraph": _l("Paragraph (§)"),
    "dnr": _l("Case number (dnr)"), "frequency": _l("Frequency"),
    "method_text": _l("Control method"), "sample_size": _l("Sample size"),
    "conclusion": _l("Conclusion"), "severity": _l("Severity"),
    "deviation_count": _l("Deviations"), "sampled": _l("Sampled items"),
    "items": _l("Sampled items"), "not_performed_reason": _l("Not performed: why"),
    "filename": _l("File"), "summary": _l("Change"), "note": _l("Note"),
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


def measure_state_label(state: str) -> str:
    return _label(MEASURE_STATES, state)


def fulfilment_label(code: str | None) -> str:
    return _("Not assessed") if code is None else _label(FULFILMENTS, code)


def trend_label(code: str | None) -> str:
    """The arrow with its word, e.g. "↑ Up"; a dash when there is no trend."""
    if code is None:
        return "–"
    return f"{TREND_ARROWS.get(code, '')} {_label(TRENDS, code)}".strip()


def kpi_kind_label(code: str) -> str:
    return _label(KPI_KINDS, code)


def direction_label(code: str | None) -> str:
    return _("Not said") if code is None else _label(DIRECTIONS, code)


def audit_action(action: str) -> str:
    return _label(AUDIT_ACTIONS, action)


# Fields whose meaning depends on the object: a KPI outcome's status is its fulfilment.
OBJECT_FIELDS = {("kpi_outcome", "status"): _l("Goal fulfilment")}
OBJECT_VALUES = {("kpi_outcome", "status"): FULFILMENTS}


def audit_field(key: str, object_type: str | None = None) -> str:
    """A readable label for a field named in an audit event or a conflicting form."""
    if (object_type, key) in OBJECT_FIELDS:
        return str(OBJECT_FIELDS[(object_type, key)])
    return _label(AUDIT_FIELDS, key)


def audit_value(value: Any, key: str | None = None,
                names: dict[tuple[str, int], str] | None = None,
                object_type: str | None = None) -> str:
    """A value of an audit event as a reader wants it: names for ids, words for codes."""
    if value is None or value == "":
        return "–"
    if isinstance(value, list):
        return ", ".join(audit_value(v, None, names) for v in value) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {audit_value(v, None, names)}" for k, v in value.items())
    if names and isinstance(value, int | str) and (key, value) in names:
        return names[(key, value)]
    if (object_type, key) in OBJECT_VALUES:
        return _label(OBJECT_VALUES[(object_type, key)], value)
    if key == "kind":
        return risk_kind_label(value)
    if key == "handling_type":
        return handling_type_label(value)
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return str(value)


# Heat-map texts filled in once per cell: translated once per page (heatmap_formats),
# then formatted with % in the template, instead of one gettext call per cell.
HEATMAP_FORMATS = {
    "cell": _l("risks with likelihood %(l)d and consequence %(c)d, value %(v)d"),
    "moved": _l("%(n)d moved here from %(l)d×%(c)d"),
    "in_cell": _l("Risks in this cell"),
}


def heatmap_formats() -> dict[str, str]:
    return {key: str(text) for key, text in HEATMAP_FORMATS.items()}


TEMPLATE_GLOBALS = {
    "heatmap_formats": heatmap_formats,
    "role_label": role_label,
    "unit_kind_label": unit_kind_label,
    "risk_kind_label": risk_kind_label,
    "measure_state_label": measure_state_label,
    "audit_action": audit_action,
    "fulfilment_label": fulfilment_label,
    "trend_label": trend_label,
    "kpi_kind_label": kpi_kind_label,
    "direction_label": direction_label,
    "audit_field": audit_field,
    "audit_value": audit_value,
}
