"""The heat-map parameters shared by the pages and the API (400/404 on bad input), built
on the common parsers in web.py."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _

from .. import web
from ..domain.periods import Period, PeriodError
from ..errors import abort_with
from ..models.org import Unit


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


def parse_unit(user, raw_from_request: bool = True) -> Unit:
    """The unit asked for, or the highest one the user can read."""
    unit = web.unit_arg(user) if raw_from_request else None
    if unit is None:
        unit = web.default_unit(user)
        if unit is None:
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
        return web.refuse("compare", _("compare must be previous, last_year, none or a "
                                       "period YYYY-Tn."), parse_compare("previous", period))
    other = web.parse_period(raw, "compare")
    if other >= period:
        return web.refuse("compare", _("compare must be a period before %(period)s.",
                                       period=str(period)), parse_compare("previous", period))
    return other, "period"


def parse(user, *, default_compare: str = "previous", with_unit: bool = True
          ) -> HeatmapParams:
    """The request's parameters; ``with_unit`` False for a page that chooses its own units
    when none is asked for (the board view)."""
    unit = parse_unit(user, with_unit)
    period = web.period_arg()
    include = web.bool_arg("include_subunits", True)
    against, compare = parse_compare(request.args.get("compare", default_compare), period)
    return HeatmapParams(unit, period, include, against, compare)
