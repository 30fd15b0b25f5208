"""Small helpers every feature's views share: service errors onto forms, the status of
a form page, and period parameters (400 with a clear message on bad input)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from . import clock
from .domain.periods import Period, PeriodError
from .errors import abort_with
from .services import ServiceError


def form_error(form, exc: ServiceError) -> None:
    """Show a service's refusal under its field, or above the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


def form_status(form) -> int:
    """400 for a POSTed form with errors, else 200."""
    return 400 if request.method == "POST" and (form.errors or form.form_errors) else 200


def parse_period(raw: str | None, name: str = "period", *, allow_future: bool = False
                 ) -> Period:
    """A period parameter: absent means the current tertial; malformed is refused with
    400, and so is a future one unless ``allow_future`` (the register then shows what is
    known, carried forward)."""
    if not raw:
        return clock.current_period()
    try:
        period = Period.parse(raw)
    except PeriodError:
        abort_with(400, _("%(name)s: not a period; use YYYY-Tn, e.g. 2024-T1.", name=name))
    if not allow_future and period > clock.current_period():
        abort_with(400, _("%(name)s: %(period)s lies in the future.", name=name,
                          period=str(period)))
    return period
