"""What every feature's views share: service errors onto forms, the status of a form page,
and the one parser of request parameters (bool, unit, period, page, steps) used by the
pages and the API alike. A bad value is a 400 (404 for a unit out of reach) with a clear
message, never a 500.

A page that shows its parameters as fields calls ``keep_page()`` first: a bad period,
comparison or yes/no value is then not a bare error page but a message beside its field
(``param_errors()``), the page is drawn with the default in its place and answered with
400 (``params_status()``). The API never calls it and keeps its 400 JSON."""

from __future__ import annotations

from datetime import date

from flask import g, request
from flask_babel import gettext as _
from sqlalchemy import select

from . import clock
from .auth.permissions import can_read_unit, role_paths
from .domain.periods import Period, PeriodError
from .errors import abort_with
from .extensions import db
from .i18n import period_label
from .ids import parse_id
from .models.org import Unit
from .services import ServiceError

TRUE = frozenset({"true", "1", "yes", "y", "on"})
FALSE = frozenset({"false", "0", "no", "n", "off"})


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


# -- request parameters ------------------------------------------------------------------
_KEPT = "riskreg_param_errors"
PERIODS_LISTED = 16  # the current tertial and five years before it


def keep_page() -> None:
    """This request is a page that shows its parameters as fields (see the module's doc)."""
    setattr(g, _KEPT, {})


def param_errors() -> dict[str, str]:
    """The refused parameters of a kept page, by name (empty when all were good)."""
    return getattr(g, _KEPT, None) or {}


def params_status() -> int:
    return 400 if param_errors() else 200


def refuse(name: str, message: str, fallback):
    """A bad parameter: on a kept page the message goes beside its field and ``fallback``
    is used; anywhere else (the API, parameters without a field) it is a 400."""
    kept = getattr(g, _KEPT, None)
    if kept is None:
        abort_with(400, message)
    kept.setdefault(name, message)
    return fallback


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
        return refuse(name, _("%(name)s: not a period; use YYYY-Tn, e.g. 2024-T1.",
                              name=name), clock.current_period())
    if not allow_future and period > clock.current_period():
        return refuse(name, _("%(name)s: %(period)s lies in the future.", name=name,
                              period=str(period)), clock.current_period())
    return period


def period_choices(*keep: Period | None, future: int = 0) -> list[tuple[str, str]]:
    """The periods a page offers, newest first: ``future`` tertials ahead, today's and
    those of the last five years, with the report each is followed up in ("2024-T1 –
    DÅ04"); ``keep`` adds periods shown now that lie outside that window."""
    now = clock.current_period()
    keys = set(range(max(now.key - PERIODS_LISTED + 1, Period(1990, 1).key),
                     now.key + future + 1))
    keys.update(p.key for p in keep if p is not None)
    return [(str(p), period_label(p)) for p in (Period.from_key(k) for k in sorted(keys,
                                                                                   reverse=True))]


def period_arg(name: str = "period", *, allow_future: bool = False) -> Period:
    return parse_period(request.args.get(name), name, allow_future=allow_future)


def bool_arg(name: str, default: bool) -> bool:
    """true/1/yes/y/on or false/0/no/n/off; absent or empty is ``default``. A form sends
    a hidden "false" and then, when the box is ticked, "true": the last value counts."""
    values = request.args.getlist(name)
    raw = values[-1] if values else None
    if raw is None or raw == "":
        return default
    if raw.lower() in TRUE:
        return True
    if raw.lower() in FALSE:
        return False
    return refuse(name, _("%(name)s must be true or false.", name=name), default)


MAX_INT = 2**31 - 1  # the databases' INTEGER
MIN_DATE, MAX_DATE = date(1990, 1, 1), date(2199, 12, 31)  # dates a parameter may name


def positive_int_arg(name: str, default: int, maximum: int = MAX_INT) -> int:
    """A whole number 1..maximum (a page, a page size); absent or empty is ``default``."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= maximum:
        abort_with(400, _("%(name)s must be a whole number from 1 to %(max)d.", name=name,
                          max=maximum))
    return int(raw)


def date_arg(name: str) -> date | None:
    """An ISO date (YYYY-MM-DD) within MIN_DATE..MAX_DATE, or None when absent or empty;
    a bad value is refused (beside its field on a kept page)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw) if len(raw) == 10 and raw.isascii() else None
    except ValueError:
        value = None
    if value is None or not MIN_DATE <= value <= MAX_DATE:
        return refuse(name, _("%(name)s: not a date; use YYYY-MM-DD, e.g. 2022-09-20.",
                              name=name), None)
    return value


def step_arg(name: str) -> int | None:
    """A step of the risk scale (likelihood or consequence), or None when absent."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 3:
        abort_with(400, _("Not a step of the scale."))
    return int(raw)


def default_unit(user) -> Unit | None:
    """The highest unit the user can read."""
    paths = role_paths(user)
    if not paths:
        return None
    return db.session.scalar(select(Unit).where(Unit.path == paths[0]))


def unit_arg(user, name: str = "unit") -> Unit | None:
    """The readable unit named by the parameter, or None when it is absent: 400 for a
    malformed id, 404 for a unit that does not exist or is out of the user's reach."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    unit_id = parse_id(raw)
    if unit_id is None:
        abort_with(400, _("%(name)s must be a unit id.", name=name))
    unit = db.session.get(Unit, unit_id)
    if unit is None or not can_read_unit(user, unit):
        abort_with(404, _("No such unit."))
    return unit


def units_where(rule) -> list[Unit]:
    """The units the signed-in user reads where ``rule(user, unit)`` holds (the units a
    "new …" page may create in); none at all is a 403."""
    from flask_login import current_user

    from .auth.permissions import PermissionDenied
    from .risks.queries import readable_units

    units = [u for u in readable_units(current_user) if rule(current_user, u)]
    if not units:
        raise PermissionDenied()
    return units


def unit_to_create_in(manageable: list[Unit], title: str, endpoint: str):
    """The first step of a "new …" page: ``(unit, None)`` for the ``?unit=`` the user may
    create in (404 for another), or ``(None, page)`` with the choice of unit."""
    from flask import abort, render_template, url_for

    from .forms import PickUnitForm

    unit_id = parse_id(request.args.get("unit", ""))
    if unit_id is None:
        pick = PickUnitForm(request.args)
        pick.unit.choices = [(u.id, f"{'— ' * u.depth}{u.name}") for u in manageable]
        return None, render_template("pick_unit.html", form=pick, title=title,
                                     action=url_for(endpoint))
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit not in manageable:
        abort(404)
    return unit, None
