"""The rows each sheet shows, read with the pages' own query functions (the register's
filter and statement, the measures' follow-up report, the KPI table), so that an export
holds what the page shows and nothing the user may not read. Risks are streamed
(``yield_per``), never loaded whole."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..controls import labels, sampling
from ..controls import queries as control_queries
from ..domain.matrix import Scale
from ..domain.periods import Period
from ..extensions import db
from ..kpis import queries as kpi_queries
from ..measures import queries as measure_queries
from ..models.controls import SEVERITIES
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


# -- internal control ----------------------------------------------------------------------
class SwedishWords:
    """Internal control's words for codes (riskreg/controls/labels.py), in Swedish whatever
    the interface's language (the sheets are in the sources' language): translated once
    per export, under one locale switch, not once per cell."""

    def __init__(self) -> None:
        with force_locale("sv"):
            self.tables = {name: {code: str(word) for code, word in table.items()}
                           for name, table in (
                               ("state", labels.PLAN_STATES), ("method", labels.METHODS),
                               ("frequency", labels.FREQUENCIES),
                               ("conclusion", labels.CONCLUSIONS),
                               ("severity", labels.SEVERITIES), ("result", labels.RESULTS),
                               ("light", labels.LIGHTS))}
            self.not_concluded = str(labels.NOT_CONCLUDED[""])
            self.not_checked = str(labels.NOT_CHECKED[""])
            self.demo = str(_l("Demo data (invented)"))
            self.no_run = str(_l("No run recorded"))

    def __call__(self, table: str, code: str | None) -> str | None:
        return None if code is None else self.tables[table].get(code, code)


@dataclass
class ControlPlanRow:
    number: int
    title: str
    risks: str | None
    method: str
    frequency: str
    responsible: str | None
    units: str
    sample_size: int | None


def control_plan_facts(plan, words: SwedishWords) -> list[tuple[str, object]]:
    """The plan's header block: unit, year, state and the decision (date, §, dnr); demo
    data says so, as on the page."""
    facts: list[tuple[str, object]] = [
        ("Enhet", plan.unit.name), ("År", plan.year), ("Status", words("state", plan.state)),
        ("Beslutsdatum", plan.decided_on.isoformat() if plan.decided_on else None),
        ("Paragraf (§)", plan.paragraph), ("Diarienummer", plan.dnr)]
    if plan.demo:
        facts.append(("Demodata", words.demo))
    return facts


def control_plan_rows(plan, words: SwedishWords) -> list[ControlPlanRow]:
    """The plan page's controls (its own read), one row each."""
    rows = []
    for c in control_queries.controls_of(plan):
        method = words("method", c.method)
        if c.method_text:
            method = f"{method}: {c.method_text}"
        risks = sorted((link.risk for link in c.risk_links), key=lambda r: r.number)
        units = sorted((link.unit for link in c.unit_links), key=lambda u: u.path)
        rows.append(ControlPlanRow(
            c.number, c.title, "\n".join(f"{r.number}. {r.title}" for r in risks) or None,
            method, words("frequency", c.frequency),
            c.responsible.name if c.responsible else None,
            ", ".join(u.name for u in units) or plan.unit.name, c.sample_size))
    return rows


@dataclass
class FollowUpRow:
    number: int
    title: str
    unit_name: str | None
    runs: int
    population_size: int
    sample_size: int
    deviations: int
    rate: float | None
    severity: str | None
    conclusion: str | None
    light: str
    measures: str | None
    not_performed: str | None


def control_follow_up_rows(plan, period: Period, today: Period, words: SwedishWords
                           ) -> list[FollowUpRow]:
    """The board's follow-up report (its own read), one row per control and unit: the
    runs of the period summed, the most severe deviation, the conclusions, the traffic
    light by the report's rule, the measures decided and what was not performed, and why."""
    rows = []
    for report_row in control_queries.report(plan, period, today):
        c = report_row.control
        by_unit: dict[int, list] = {}
        for s in report_row.slots:
            by_unit.setdefault(s.unit.id, []).append(s)
        if not by_unit:  # nothing due in the period (a yearly control before ÅR): one row
            rows.append(FollowUpRow(c.number, c.title, None, 0, 0, 0, 0, None, None, None,
                                    words("light", "none"), None, None))
        for uid, slots in by_unit.items():
            runs = [s.run for s in slots if s.run is not None]
            rate = control_queries.Rate(sum(r.sample_size for r in runs),
                                        sum(r.deviation_count for r in runs), len(runs))
            severities = [r.severity for r in runs if r.severity]
            worst = max(severities, key=SEVERITIES.index) if severities else None
            conclusions = list(dict.fromkeys(
                words("conclusion", r.conclusion) if r.conclusion else words.not_concluded
                for r in runs))
            measures = list(dict.fromkeys(
                f"Åtgärd {item.measure.number}: {item.measure.title}"
                for item, run in report_row.deviations
                if item.measure is not None and run.unit_id == uid))
            missing = [(s.run.not_performed_reason if s.run and s.run.not_performed_reason
                        else words.no_run) for s in report_row.not_performed if s.unit.id == uid]
            rows.append(FollowUpRow(
                c.number, c.title, slots[0].unit.name, len(runs),
                sum(r.population_size for r in runs), rate.sampled, rate.deviations,
                rate.rate, words("severity", worst), "; ".join(conclusions) or None,
                words("light", control_queries.light(slots, rate)),
                "\n".join(measures) or None, "\n".join(missing) or None))
    return rows


def control_follow_up_facts(plan, period: Period, words: SwedishWords
                            ) -> list[tuple[str, object]]:
    reported = next((f for f in plan.follow_ups if f.period == period), None)
    return [*control_plan_facts(plan, words),
            ("Period", f"{period.report_name} {period.year} ({period})"),
            ("Rapporterad till nämnden", reported.reported_on.isoformat() if reported else
             "Ej rapporterad"),
            ("Trafikljus", "Röd: en kontroll som skulle göras är inte utförd eller saknas, en "
             "avvikelse är allvarlig eller avvikelsegraden är "
             f"{round(control_queries.RED_RATE * 100)} % eller mer; Gul: avvikelser "
             "finns eller kontroller pågår eller återstår; Grön: alla kontroller är gjorda "
             "utan avvikelser.")]


@dataclass(slots=True)
class SampleRow:
    position: int
    index: int
    value: str
    result: str | None
    severity: str | None
    note: str | None


@dataclass(slots=True)
class PopulationRow:
    index: int
    value: str
    key: str | None
    position: int | None


SAMPLING_RULE = ("Nyckel = SHA-256 (hexadecimalt) av UTF-8-texten \"<seed>:<index>:<post>\"; "
                 "posterna ordnas efter (nyckel, index) och de första n är urvalet. Index "
                 "räknas från 0 i populationens ordning (bladet Population).")


def control_run_facts(run, words: SwedishWords) -> list[tuple[str, object]]:
    """The run's header block: what was checked, where and when, and how it was drawn."""
    c = run.control
    period = str(run.period) + (f" #{run.occasion}" if c.frequency == "monthly" else "")
    return [("Kontroll", f"{c.number}. {c.title}"), ("Plan", c.plan.title),
            ("Enhet", run.unit.name), ("Period", period),
            ("Utförd", run.performed_on.isoformat() if run.performed_on else None),
            ("Utförd av", run.performed_by.name if run.performed_by else None),
            ("Population", run.population_description),
            ("Populationens storlek", run.population_size),
            ("Stickprovets storlek", run.sample_size),
            ("Seed", run.seed), ("Algoritm", run.algorithm),
            ("Urvalet dras så", SAMPLING_RULE if run.algorithm else None),
            ("Avvikelser", run.deviation_count),
            ("Allvarligast", words("severity", run.severity)),
            ("Slutsats", words("conclusion", run.conclusion) if run.conclusion
             else words.not_concluded),
            ("Ej utförd – varför", run.not_performed_reason),
            *([("Demodata", words.demo)] if run.demo else [])]


def control_sample_rows(run, words: SwedishWords) -> list[SampleRow]:
    """The drawn items in draw order with their results (the run page's read)."""
    return [SampleRow(i.position + 1, i.population_index, i.value,
                      words("result", i.result) if i.result else words.not_checked,
                      words("severity", i.severity), i.note) for i in run.items]


def control_population_rows(run) -> Iterator[PopulationRow]:
    """The whole population in its order with each item's key, and where it was drawn."""
    drawn = {i.population_index: i.position + 1 for i in run.items}
    seed = run.seed
    for index, value in enumerate(run.population or []):
        yield PopulationRow(index, value, sampling.key(seed, index, value) if seed else None,
                            drawn.get(index))
