"""Words for internal control's codes (templates reach them as globals)."""

from __future__ import annotations

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l

PLAN_STATES = {"draft": _l("Draft"), "adopted": _l("Adopted"),
               "followed_up": _l("Followed up"), "closed": _l("Closed")}
METHODS = {"stickprov": _l("Spot check (stickprov)"),
           "styrmatt": _l("Follow-up of KPIs (uppföljning av styrmått)"),
           "granskning": _l("Review (granskning)"),
           "verksamhetsuppfoljning": _l("Operational follow-up (verksamhetsuppföljning)"),
           "other": _l("Other (see the method text)")}
FREQUENCIES = {"tertial": _l("Each tertial"), "yearly": _l("Yearly"),
               "monthly": _l("Monthly"), "once": _l("Once")}
CONCLUSIONS = {"ok": _l("OK"), "deviations": _l("Deviations found"),
               "not_performed": _l("Not performed")}
SEVERITIES = {"minor": _l("Minor"), "significant": _l("Significant"),
              "serious": _l("Serious")}
RESULTS = {"ok": _l("OK"), "deviation": _l("Deviation")}
SCHEDULE_STATES = {"planned": _l("Planned"), "due": _l("Due"),
                   "in_progress": _l("In progress"), "done": _l("Done"),
                   "not_performed": _l("Not performed"), "overdue": _l("Overdue")}
LIGHTS = {"green": _l("Green"), "yellow": _l("Yellow"), "red": _l("Red"),
          "none": _l("No runs due")}


def _label(table: dict, code: str | None) -> str:
    """Translated once per request and code (a report lists thousands of runs)."""
    if code is None:
        return "–"
    if not has_request_context():
        return str(table.get(code, code))
    cache = g.setdefault("_control_labels", {})
    key = (id(table), code)
    if key not in cache:
        cache[key] = str(table.get(code, code))
    return cache[key]


def plan_state_label(code: str | None) -> str:
    return _label(PLAN_STATES, code)


def method_label(code: str | None) -> str:
    return _label(METHODS, code)


def frequency_label(code: str | None) -> str:
    return _label(FREQUENCIES, code)


NOT_CONCLUDED = {"": _l("Not concluded")}
NOT_CHECKED = {"": _l("Not checked")}


def conclusion_label(code: str | None) -> str:
    return _label(CONCLUSIONS, code) if code else _label(NOT_CONCLUDED, "")


def severity_label(code: str | None) -> str:
    return _label(SEVERITIES, code)


def result_label(code: str | None) -> str:
    return _label(RESULTS, code) if code else _label(NOT_CHECKED, "")


def schedule_label(code: str | None) -> str:
    return _label(SCHEDULE_STATES, code)


def light_label(code: str | None) -> str:
    return _label(LIGHTS, code)


def rate_text(deviations: int, sampled: int) -> str:
    """"3/50 (6 %)" with the interface's decimal sign (one decimal at most): the dashboard
    shows thousands of these, so the locale's sign is looked up once per request."""
    if not sampled:
        return "–"
    pct = round(100.0 * deviations / sampled, 1)
    text = str(int(pct)) if pct.is_integer() else f"{pct:.1f}".replace(".", _decimal_sign())
    return f"{deviations}/{sampled} ({text} %)"


def _decimal_sign() -> str:
    from babel.numbers import get_decimal_symbol
    from flask_babel import get_locale

    if not has_request_context():
        return get_decimal_symbol("sv")
    if "_control_decimal" not in g:
        g._control_decimal = get_decimal_symbol(str(get_locale() or "sv"))
    return g._control_decimal


TEMPLATE_GLOBALS = {
    "rate_text": rate_text,
    "plan_state_label": plan_state_label, "method_label": method_label,
    "frequency_label": frequency_label, "conclusion_label": conclusion_label,
    "severity_label": severity_label, "result_label": result_label,
    "schedule_label": schedule_label, "light_label": light_label,
}
