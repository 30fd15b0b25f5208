"""What a board pack holds: an ordered list of sections, named in ``create_app``.

A :class:`PackSection` is a code, a title, a loader and a template. The loader reads what
the section needs through its feature's own query functions and returns it, or ``None``
when the section has nothing to show for this unit and period (it is then left out, with
its number). The template is included with ``part`` (title, number, data) and ``pack``
(the whole pack: unit, period, scale …) in scope.

Adding a part to the pack is one line in riskreg/__init__.py ``register_features``, e.g.
the internal-control follow-up of riskreg/controls/::

    PackSection("controls", lambda ctx: _l("Internal-control follow-up"),
                controls_pack.load, "controls/_pack.html")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..domain.matrix import Scale, format_band_summary
from ..domain.periods import Period
from ..findings import queries as findings
from ..heatmaps import queries as heatmaps
from ..kpis import queries as kpis
from ..measures import queries as measures
from ..models.org import Unit
from ..models.users import User
from . import queries

EXTENSION = "riskreg.boardpack"
LISTED = 50  # rows of a list in the pack before "and N more" (the register has them all)
MEASURES_LISTED = 200  # lines of the measures follow-up (a division's report has tens)


@dataclass(frozen=True)
class PackContext:
    user: User
    unit: Unit
    period: Period
    against: Period | None  # the comparison period (None: no comparison)
    meeting: date | None  # the board meeting the pack is for
    scale: Scale
    whole: heatmaps.Matrix  # the unit's matrix (with its subtree), read once for the pack


@dataclass(frozen=True)
class PackSection:
    code: str
    title: Callable[[PackContext], str]
    load: Callable[[PackContext], Any]
    template: str


@dataclass
class Part:
    code: str
    number: int
    title: str
    data: Any
    template: str


def init_boardpack(app: Flask, sections: list[PackSection]) -> None:
    codes = [s.code for s in sections]
    if len(set(codes)) != len(codes):
        raise ValueError(f"board pack sections named twice: {codes}")
    app.extensions[EXTENSION] = tuple(sections)


def parts(ctx: PackContext) -> list[Part]:
    """The registered sections loaded for ``ctx``, numbered, those with nothing left out."""
    out: list[Part] = []
    for section in current_app.extensions[EXTENSION]:
        data = section.load(ctx)
        if data is not None:
            out.append(Part(section.code, len(out) + 1, str(section.title(ctx)), data,
                            section.template))
    return out


# -- the sections of the features that exist now -------------------------------------------
@dataclass
class RiskPicture:
    summary: str
    divisions: list[tuple[heatmaps.Matrix, str]]
    risks: list[heatmaps.ListedRisk]  # every risk of the matrix with its title, capped
    more: int = 0  # risks of the matrix not listed
    outside_scale: int = 0


def band_summary(m: heatmaps.Matrix) -> str:
    return format_band_summary(m.band_totals(), _("Total"))


def load_risk_picture(ctx: PackContext) -> RiskPicture:
    """The unit's matrix, its band summary, the matrices of the divisions holding risks and
    the one list of the risks with their titles (highest first)."""
    divisions = queries.division_matrices(ctx.user, ctx.unit, ctx.period, ctx.scale, ctx.whole)
    risks = heatmaps.at_or_above(ctx.user, ctx.unit, ctx.period, 1, True, limit=LISTED)
    return RiskPicture(band_summary(ctx.whole), [(m, band_summary(m)) for m in divisions],
                       risks, max(ctx.whole.total - len(risks), 0), ctx.whole.outside_scale)


def load_movements(ctx: PackContext) -> heatmaps.Comparison | None:
    if ctx.against is None:
        return None
    return heatmaps.comparison(ctx.user, ctx.unit, ctx.period, ctx.against, True,
                               limit=LISTED)


# Findings whose items another section lists in full: the pack gives their count and
# points there (no list appears twice). Measures without a status for the period are the
# rows with no status in the measures follow-up.
LISTED_ELSEWHERE = {"measure_without_status": "measures"}


@dataclass
class PackFinding:
    finding: findings.Finding
    listed_in: str | None  # the code of the section that lists the items, if any


def load_findings(ctx: PackContext) -> list[PackFinding]:
    return [PackFinding(f, LISTED_ELSEWHERE.get(f.code))
            for f in findings.findings(ctx.user, ctx.unit, ctx.period, limit=LISTED)]


@dataclass
class MeasuresFollowUp:
    groups: list[measures.ReportGroup]
    more: int  # lines left out after MEASURES_LISTED (the follow-up report has them all)


def load_measures(ctx: PackContext) -> MeasuresFollowUp | None:
    """000's follow-up of the measures (measures.queries.report), cut after
    MEASURES_LISTED lines: a whole region's thousands of measures belong in the report
    page, not in a board's document."""
    groups = measures.report(ctx.user, ctx.unit, ctx.period, "strategic")
    if not groups:
        return None
    kept, left, more = [], MEASURES_LISTED, 0
    for g in groups:
        if left > 0:
            kept.append(measures.ReportGroup(g.heading, g.rows[:left]))
        more += max(len(g.rows) - max(left, 0), 0)
        left -= len(g.rows)
    return MeasuresFollowUp(kept, more)


def load_kpis(ctx: PackContext) -> list[kpis.KpiRow] | None:
    return kpis.kpi_table(ctx.user, ctx.unit, ctx.period) or None


RISK_PICTURE = PackSection("risks", lambda ctx: _l("Risk picture"), load_risk_picture,
                           "boardpack/_risks.html")
MOVEMENTS = PackSection(
    "movements",
    lambda ctx: _l("Changes since %(period)s", period=str(ctx.against)),
    load_movements, "boardpack/_movements.html")
FINDINGS = PackSection("findings", lambda ctx: _l("Findings"), load_findings,
                       "boardpack/_findings.html")
MEASURES = PackSection("measures", lambda ctx: _l("Follow-up of the strategic measures"),
                       load_measures, "boardpack/_measures.html")
KPIS = PackSection("kpis", lambda ctx: _l("Goal fulfilment"), load_kpis,
                   "boardpack/_kpis.html")
