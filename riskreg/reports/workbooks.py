"""Each export as a workbook written to a file: the rows from sources.py in a layout of
layouts.py, written by export.py. Every reader is scoped to the user like the page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ..domain.matrix import format_band_summary
from ..domain.periods import Period
from ..extensions import db
from ..heatmaps import queries as heatmap_queries
from ..models.org import Unit
from ..models.users import User
from ..risks.queries import RegisterFilter
from ..scales import scale_for_unit
from . import export, sources
from .layouts import (
    CONTROL_FOLLOW_UP,
    CONTROL_PLAN,
    CONTROL_POPULATION,
    CONTROL_SAMPLE,
    KPIS,
    LAYOUTS,
    MEASURES,
)

RISK_LAYOUT_KINDS = {"register": None, "success_factor": "success_factor", "unit": "unit"}


def organisation_name(unit) -> str:
    """The name of the organisation (root unit) of ``unit`` (a Unit or a unit option)."""
    root_id = unit.root_id
    root = db.session.get(Unit, root_id)
    return root.name if root is not None else ""


def _props(title: str, org: str, period: Period, user: User) -> export.Properties:
    return export.Properties(title=title, organisation=org, period=str(period),
                             author=user.name, created=datetime.now(UTC))


def risk_filter(filters: RegisterFilter, layout: str) -> RegisterFilter:
    """The register's filter for a risk layout: the success-factor and unit layouts list
    their own kind of risk only (within the same filter)."""
    kind = RISK_LAYOUT_KINDS[layout]
    if kind is None:
        return filters
    if filters.kind not in (None, kind):
        kind = "__none__"  # the page's filter asks for the other kind: nothing matches
    return RegisterFilter(**{**vars(filters), "kind": kind})


def write_risks(target, user: User, filters: RegisterFilter, layout: str, org: str,
                progress: Callable[[int], None] | None = None, tmpdir: str | None = None
                ) -> int:
    lay = LAYOUTS[layout]
    wb = export.open_workbook(target, _props(lay.title, org, filters.period, user), tmpdir)
    n = export.write_table(wb, lay, sources.risk_rows(user, risk_filter(filters, layout)),
                           _props(lay.title, org, filters.period, user), progress)
    wb.close()
    return n


def write_measures(target, user: User, unit: Unit, period: Period) -> int:
    props = _props(f"{MEASURES.title}: {unit.name}", organisation_name(unit), period, user)
    wb = export.open_workbook(target, props)
    n = export.write_table(wb, MEASURES, sources.measure_rows(user, unit, period), props)
    wb.close()
    return n


def write_kpis(target, user: User, unit: Unit, period: Period) -> int:
    props = _props(f"{KPIS.title}: {unit.name}", organisation_name(unit), period, user)
    wb = export.open_workbook(target, props)
    n = export.write_table(wb, KPIS, sources.kpi_rows(user, unit, period), props)
    wb.close()
    return n


def write_matrix(target, user: User, unit: Unit, period: Period, include: bool) -> int:
    scale = scale_for_unit(unit)
    m = heatmap_queries.matrix(user, unit, period, scale, include)
    props = _props("Riskmatris", organisation_name(unit), period, user)
    wb = export.open_workbook(target, props)
    export.write_matrix(wb, m, props, format_band_summary(m.band_totals(), "Totalt"))
    wb.close()
    return m.total


# -- internal control ---------------------------------------------------------------------
def write_control_plan(target, user: User, plan) -> int:
    """The internal-control plan: its header block, then one row per control."""
    props = _props(f"{CONTROL_PLAN.title}: {plan.title}", organisation_name(plan.unit),
                   str(plan.year), user)
    words = sources.SwedishWords()
    wb = export.open_workbook(target, props)
    n = export.write_table(wb, CONTROL_PLAN, sources.control_plan_rows(plan, words), props,
                           heading=f"{CONTROL_PLAN.title} {plan.year}: {plan.title}",
                           facts=sources.control_plan_facts(plan, words))
    wb.close()
    return n


def write_control_follow_up(target, user: User, plan, period: Period, today: Period) -> int:
    """The plan's follow-up for ``period``: one row per control and unit."""
    props = _props(f"{CONTROL_FOLLOW_UP.title}: {plan.title}", organisation_name(plan.unit),
                   str(period), user)
    words = sources.SwedishWords()
    wb = export.open_workbook(target, props)
    n = export.write_table(
        wb, CONTROL_FOLLOW_UP, sources.control_follow_up_rows(plan, period, today, words),
        props, heading=f"{CONTROL_FOLLOW_UP.title}: {plan.title}, {period.report_name} "
        f"{period.year}", facts=sources.control_follow_up_facts(plan, period, words))
    wb.close()
    return n


def write_control_run(target, user: User, run, progress: Callable[[int], None] | None = None,
                      tmpdir: str | None = None) -> int:
    """A spot check an auditor can draw again: the drawn items with their results below
    the seed and the algorithm, and the whole population with each item's key. Returns
    the rows written (sample and population)."""
    c = run.control
    props = _props(f"{CONTROL_SAMPLE.title}: {c.number}. {c.title}",
                   organisation_name(run.unit), str(run.period), user)
    words = sources.SwedishWords()
    wb = export.open_workbook(target, props, tmpdir)
    formats = export.Formats(wb)
    n = export.write_table(wb, CONTROL_SAMPLE, sources.control_sample_rows(run, words), props,
                           formats=formats, heading=f"{CONTROL_SAMPLE.title}: {c.number}. "
                           f"{c.title}, {run.unit.name}, {run.period}",
                           facts=sources.control_run_facts(run, words))
    n += export.write_table(wb, CONTROL_POPULATION, sources.control_population_rows(run),
                            props, None if progress is None else (lambda k: progress(n + k)),
                            formats=formats)
    wb.close()
    return n
