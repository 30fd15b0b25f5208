"""The rows each sheet shows, read with the pages' own query functions (the register's
filter and statement, the measures' follow-up report, the KPI table), so that an export
holds what the page shows and nothing the user may not read. Risks are streamed
(``yield_per``), never loaded whole."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..domain.matrix import Scale
from ..domain.periods import Period
from ..extensions import db
from ..kpis import queries as kpi_queries
from ..measures import queries as measure_queries
from ..models.org import Unit
from ..models.users import User
from ..risks import queries as risk_queries
from ..risks.latest import Counted

BATCH = 500  # rows fetched per round trip while streaming

KIND_LABELS = {"success_factor": "Framgångsfaktor", "unit": "Enhetsrisk"}
KPI_KIND_LABELS = {"styrmatt": "Styrmått", "kontrollmatt": "Kontrollmått"}
FULFILMENT_LABELS = {"met": "Uppfyllt", "partly": "Delvis uppfyllt", "not_met": "Ej uppfyllt"}
TREND_LABELS = {"up": "↑", "down": "↓", "flat": "→"}


@dataclass(slots=True)
class RiskRow:
    """One risk as every risk layout reads it (layouts.py names the attributes)."""

    id: int
    number: int
    kind: str
    title: str
    event: str
    consequence_text: str | None
    cause: str | None
    mitigation: str | None
    control_method: str | None
    handling_question: str | None
    handling_type: str | None
    method: str | None
    unit_name: str
    owner_name: str
    factor: str | None
    goal: str | None
    perspective: str | None
    mark: str | None
    likelihood: int | None
    consequence: int | None
    assessed_in: str | None
    band: str | None

    @property
    def value(self) -> int | None:
        if self.likelihood is None or self.consequence is None:
            return None
        return self.likelihood * self.consequence

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def perspective_goal(self) -> str | None:
        parts = [p for p in (self.perspective, self.goal) if p]
        return " – ".join(parts) or None


def risk_rows(user: User, f: risk_queries.RegisterFilter) -> Iterator[RiskRow]:
    """The register's risks for ``f`` (every page), streamed in the page's order."""
    stmt = risk_queries.register_export(user, f).execution_options(yield_per=BATCH)
    scales: dict[int, Scale] = {}
    for (rid, number, kind, title, event, consequence_text, cause, mitigation, control_method,
         handling_question, handling_type, method, unit_name, unit_path, owner_name, code,
         factor, goal, perspective, mark) in db.session.execute(stmt):
        counted = Counted.from_code(code)
        band = None
        if counted is not None:
            root = int(unit_path.split("/")[1])
            if root not in scales:
                scales.update(risk_queries.scales_for_roots({root}))
            if root in scales:
                try:
                    band = scales[root].band(counted.value).name
                except ValueError:
                    band = None
        yield RiskRow(
            rid, number, kind, title, event, consequence_text, cause, mitigation,
            control_method, handling_question, handling_type, method, unit_name, owner_name,
            factor, goal, perspective, mark,
            counted.likelihood if counted else None, counted.consequence if counted else None,
            str(counted.period) if counted else None, band)


@dataclass
class MeasureRow:
    id: int
    number: int
    goal: str | None
    title: str
    status: str | None
    comment: str | None
    perspective: str | None


def measure_rows(user: User, unit: Unit, period: Period) -> list[MeasureRow]:
    """000's follow-up of the strategic measures: the report page's rows."""
    rows = []
    for group in measure_queries.report(user, unit, period, "strategic"):
        for r in group.rows:
            rows.append(MeasureRow(r.id, r.number, r.goal, r.title, r.symbol, r.comment,
                                   group.heading or None))
    return rows


@dataclass
class KpiRow:
    perspective: str | None
    goal: str | None
    factor: str | None
    name: str
    kind_label: str
    target: str | None
    follow_up: str | None
    total: float | None
    women: float | None
    men: float | None
    fulfilment: str | None
    trend: str | None


def kpi_rows(user: User, unit: Unit, period: Period) -> list[KpiRow]:
    """The KPI table page's rows."""
    rows = []
    for r in kpi_queries.kpi_table(user, unit, period):
        o = r.outcome
        rows.append(KpiRow(
            perspective=r.perspective.name if r.perspective else None,
            goal=r.goal.name if r.goal else None,
            factor=r.factor.name if r.factor else None,
            name=r.kpi.name, kind_label=KPI_KIND_LABELS.get(r.kpi.kind, r.kpi.kind),
            target=r.target, follow_up=", ".join(r.kpi.follow_up or []) or None,
            total=o.total if o else None, women=o.women if o else None,
            men=o.men if o else None,
            fulfilment=FULFILMENT_LABELS.get(o.status) if o and o.status else None,
            trend=TREND_LABELS.get(r.trend) if r.trend else None))
    return rows
