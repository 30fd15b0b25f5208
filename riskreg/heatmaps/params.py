"""Parsing the heat-map parameters shared by the pages and the API (400/404 on bad input)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.permissions import can_read_unit, role_paths
from ..domain.periods import Period, PeriodError
from ..errors import abort_with
from ..extensions import db
from ..ids import parse_id
from ..models.org import Unit
from ..web import parse_period


@dataclass
class HeatmapParams:
    unit: Unit
    period: Period
    include_subunits: bool
    against: Period | None
    compare: str

    @property
    def previous(self) -> Period | None:
        """The tertial before ``period`` (None before the first period there is)."""
        return _shifted(self.period, "previous")

    @property
    def last_year(self) -> Period | None:
        return _shifted(self.period, "last_year")


def _shifted(period: Period, how: str) -> Period | None:
    try:
        return period.previous() if how == "previous" else period.same_last_year()
    except PeriodError:  # before MIN_YEAR: nothing to compare with
        return None


def parse_bool(name: str, default: bool) -> bool:
    values = request.args.getlist(name)  # a form sends "false" then, if ticked, "true"
    raw = values[-1] if values else None
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "1", "yes", "y", "on"):
        return True
    if raw.lower() in ("false", "0", "no", "n", "off"):
        return False
    abort_with(400, _("%(name)s must be true or false.", name=name))


def default_unit(user) -> Unit | None:
    """The highest unit the user can read."""
    paths = role_paths(user)
    if not paths:
        return None
    return db.session.scalar(select(Unit).where(Unit.path == paths[0]))


def parse_unit(user, raw: str | None) -> Unit:
    if raw in (None, ""):
        unit = default_unit(user)
        if unit is None:
            abort_with(404, _("No such unit."))
        return unit
    unit_id = parse_id(raw)
    if unit_id is None:
        abort_with(400, _("unit must be a unit id."))
    unit = db.session.get(Unit, unit_id)
    if unit is None or not can_read_unit(user, unit):
        abort_with(404, _("No such unit."))
    return unit


def parse_compare(raw: str | None, period: Period) -> tuple[Period | None, str]:
    """'previous' (default), 'last_year', 'none' or a period YYYY-Tn before ``period``."""
    raw = raw or "previous"
    if raw == "none":
        return None, raw
    if raw in ("previous", "last_year"):
        against = _shifted(period, raw)
        return (against, raw) if against is not None else (None, "none")
    try:
        Period.parse(raw)
    except PeriodError:
        abort_with(400, _("compare must be previous, last_year, none or a period YYYY-Tn."))
    other = parse_period(raw, "compare")
    if other >= period:
        abort_with(400, _("compare must be a period before %(period)s.", period=str(period)))
    return other, "period"


def parse(user, *, default_compare: str = "previous", with_unit: bool = True
          ) -> HeatmapParams:
    """The request's parameters; ``with_unit`` False for a page that chooses its own units
    when none is asked for (the board view)."""
    unit = parse_unit(user, request.args.get("unit") if with_unit else None)
    period = parse_period(request.args.get("period"))
    include = parse_bool("include_subunits", True)
    against, compare = parse_compare(request.args.get("compare", default_compare), period)
    return HeatmapParams(unit, period, include, against, compare)
