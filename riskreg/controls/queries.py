"""Reads for the internal-control pages, the dashboard, the board's follow-up report and the
API: scoped in SQL, a fixed number of statements whatever the number of controls, units and
runs (pinned in tests/pages/test_controls_pages.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..auth.permissions import can_read_unit, units_clause
from ..domain.periods import Period
from ..extensions import db
from ..models.audit import AuditEvent
from ..models.controls import (
    Control,
    ControlPlan,
    ControlRisk,
    ControlRun,
    ControlRunItem,
    ControlUnit,
    Evidence,
)
from ..models.org import Unit
from ..models.users import User
from . import schedule
from .permissions import can_read_plan, can_read_run

RUNNING = ("adopted", "followed_up", "closed")


# -- single objects ------------------------------------------------------------------------
def readable_plan(user: User, plan_id: int) -> ControlPlan | None:
    plan = db.session.get(ControlPlan, plan_id)
    return plan if plan is not None and can_read_plan(user, plan) else None


def readable_control(user: User, control_id: int) -> Control | None:
    c = db.session.get(Control, control_id)
    return c if c is not None and can_read_plan(user, c.plan) else None


def readable_run(user: User, run_id: int) -> ControlRun | None:
    run = db.session.get(ControlRun, run_id, options=[
        selectinload(ControlRun.items).joinedload(ControlRunItem.measure),
        selectinload(ControlRun.evidence)])
    return run if run is not None and can_read_run(user, run) else None


def readable_evidence(user: User, evidence_id: int) -> Evidence | None:
    ev = db.session.get(Evidence, evidence_id)
    if ev is None or ev.deleted_at is not None or not can_read_run(user, ev.run):
        return None
    return ev


def plans(user: User) -> list[ControlPlan]:
    """Every plan on a unit the user reads, newest year first."""
    return list(db.session.scalars(
        select(ControlPlan).join(Unit, Unit.id == ControlPlan.unit_id)
        .where(units_clause(user)).options(joinedload(ControlPlan.unit))
        .order_by(ControlPlan.year.desc(), Unit.path)))


def controls_of(plan: ControlPlan) -> list[Control]:
    return list(db.session.scalars(
        select(Control).where(Control.plan_id == plan.id)
        .options(selectinload(Control.risk_links).joinedload(ControlRisk.risk),
                 selectinload(Control.unit_links).joinedload(ControlUnit.unit),
                 joinedload(Control.responsible))
        .order_by(Control.number)))


def runs_of(user: User, c: Control) -> list[ControlRun]:
    return [r for r in db.session.scalars(
        select(ControlRun).where(ControlRun.control_id == c.id)
        .options(joinedload(ControlRun.unit), joinedload(ControlRun.performed_by))
        .order_by(ControlRun.period, ControlRun.unit_id, ControlRun.occasion))
        if can_read_unit(user, r.unit) or can_read_plan(user, c.plan)]


def history(object_type: str, object_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == object_type,
                                 AuditEvent.object_id == object_id)
        .order_by(AuditEvent.id.desc()).limit(100)))


# -- the expected runs of a control, with their state ---------------------------------------
@dataclass
class Slot:
    unit: Unit
    period: Period
    occasion: int
    state: str
    run: ControlRun | None = None


def slots(c: Control, units: list[Unit], runs: list[ControlRun], today: Period,
          periods: list[Period] | None = None) -> list[Slot]:
    """The expected runs of ``c`` on ``units`` with their state and run (runs grouped by
    unit first: linear in units and runs, at region size too)."""
    by_unit_runs: dict[int, list[ControlRun]] = defaultdict(list)
    for r in runs:
        by_unit_runs[r.unit_id].append(r)
    by_unit = {u.id: u for u in units}
    out = []
    for e in schedule.expected_runs(c.frequency, c.plan.year, [u.id for u in units], periods):
        mine = by_unit_runs.get(e.unit_id, [])
        keys = [schedule.RunKey(r.unit_id, r.period, r.occasion, r.conclusion) for r in mine]
        run = next((r for r in mine if schedule.matches(e, r.period, r.occasion)), None)
        out.append(Slot(by_unit[e.unit_id], e.period, e.occasion,
                        schedule.state(e, keys, today), run))
    return out


# -- the coordinator's dashboard ------------------------------------------------------------
@dataclass
class Rate:
    sampled: int = 0
    deviations: int = 0
    runs: int = 0

    @property
    def rate(self) -> float | None:
        return self.deviations / self.sampled if self.sampled else None


@dataclass
class Dashboard:
    counts: dict[str, int]
    per_control: list[tuple[Control, dict[str, int], Rate]]
    per_unit: list[tuple[Unit, dict[str, int], Rate]]
    open_deviations: list[tuple[ControlRunItem, object, Control, UnitRow]]
    slots: list[tuple[Control, Slot]] = field(default_factory=list)
    open_total: int = 0  # deviations without a measure (open_deviations lists OPEN_LISTED)


def dashboard(user: User, unit: Unit, period: Period, today: Period) -> Dashboard:
    """Controls due, done and overdue in ``period`` for the units in and beneath ``unit``
    that the user reads; deviation rates per control and unit; deviations without a
    measure. Four statements, reading plain rows (no ORM objects) for the units and runs,
    of which a region has thousands."""
    in_reach = (Unit.subtree_clause(unit.path), units_clause(user))
    pairs = db.session.execute(
        select(ControlUnit.control_id, Unit.id, Unit.name, Unit.path)
        .join(Unit, Unit.id == ControlUnit.unit_id)
        .join(Control, Control.id == ControlUnit.control_id)
        .join(ControlPlan, ControlPlan.id == Control.plan_id)
        .where(ControlPlan.year == period.year, ControlPlan.state.in_(RUNNING), *in_reach)
        .order_by(Unit.path)).all()
    units_of: dict[int, list] = defaultdict(list)
    units_by_id = {}
    for cid, uid, name, path in pairs:
        u = UnitRow(uid, name, path)
        units_by_id[uid] = u
        units_of[cid].append(u)
    controls: dict[int, Control] = {}
    runs: list = []
    if units_of:
        controls = {c.id: c for c in db.session.scalars(
            select(Control).where(Control.id.in_(list(units_of)))
            .options(joinedload(Control.plan)).order_by(Control.plan_id, Control.number))}
        runs = db.session.execute(
            select(ControlRun.id, ControlRun.control_id, ControlRun.unit_id, ControlRun.period,
                   ControlRun.occasion, ControlRun.conclusion, ControlRun.sample_size,
                   ControlRun.deviation_count)
            .join(Unit, Unit.id == ControlRun.unit_id)
            .where(ControlRun.control_id.in_(list(controls)), *in_reach,
                   ControlRun.period >= Period(period.year, 1),
                   ControlRun.period <= Period(period.year, 3))).all()
    runs_by_control: dict[int, list] = defaultdict(list)
    for r in runs:
        runs_by_control[r.control_id].append(r)
    all_slots: list[tuple[Control, Slot]] = []
    per_control, unit_counts, unit_rates = [], {}, {}
    for cid, c in controls.items():
        cslots = slots(c, units_of[cid], runs_by_control[cid], today, [period])
        counts = schedule.counts(s.state for s in cslots)
        rate = Rate()
        for s in cslots:
            all_slots.append((c, s))
            uc = unit_counts.setdefault(s.unit.id, dict.fromkeys(schedule.STATES, 0))
            uc[s.state] += 1
            ur = unit_rates.setdefault(s.unit.id, Rate())
            if s.run is not None and s.run.period == period and s.run.sample_size:
                for target in (rate, ur):
                    target.sampled += s.run.sample_size
                    target.deviations += s.run.deviation_count
                    target.runs += 1
        per_control.append((c, counts, rate))
    per_unit = [(units_by_id[uid], unit_counts[uid], unit_rates[uid])
                for uid in sorted(unit_counts, key=lambda i: units_by_id[i].path)]
    in_period = {r.id: r for r in runs if r.period == period}
    open_devs = []
    open_total = 0
    if in_period:
        # the first OPEN_LISTED, and how many there are in all (a window count: one read)
        for item, in_all in db.session.execute(
                select(ControlRunItem, func.count().over())
                .join(ControlRun, ControlRun.id == ControlRunItem.run_id)
                .join(Unit, Unit.id == ControlRun.unit_id)
                .where(ControlRun.control_id.in_(list(controls)), *in_reach,
                       ControlRun.period == period, ControlRunItem.result == "deviation",
                       ControlRunItem.measure_id.is_(None))
                .order_by(ControlRunItem.run_id, ControlRunItem.position)
                .limit(OPEN_LISTED)):
            run = in_period[item.run_id]
            open_devs.append((item, run, controls[run.control_id], units_by_id[run.unit_id]))
            open_total = in_all
    total = schedule.counts(s.state for _c, s in all_slots)
    return Dashboard(total, per_control, per_unit, open_devs, all_slots, open_total)


OPEN_LISTED = 100  # deviations without a measure listed on the dashboard (and how many more)
UNITS_PER_PAGE = 50  # rows of the dashboard's per-unit table
ATTENTION = ("due", "in_progress", "overdue", "not_performed")


def needs_attention(counts: dict[str, int], rate: Rate) -> bool:
    """A unit with a run due, in progress, overdue or not performed, or with deviations in
    the period: the dashboard lists it before the units where all is done and clean."""
    return any(counts[s] for s in ATTENTION) or rate.deviations > 0


@dataclass
class UnitPage:
    rows: list[tuple[UnitRow, dict[str, int], Rate, bool]]
    page: int
    pages: int
    total: int  # units in the table (with the filter)
    attention: int  # units that need attention (of all)
    units: int  # units of the dashboard (of all)


def unit_page(per_unit: list, page: int, only_attention: bool,
              per_page: int = UNITS_PER_PAGE) -> UnitPage:
    """The dashboard's per-unit table: the units that need attention first (in tree order),
    then the others; one page of it. At region size the whole table is thousands of rows."""
    flagged = [(u, c, r, needs_attention(c, r)) for u, c, r in per_unit]
    first = [row for row in flagged if row[3]]
    rest = [] if only_attention else [row for row in flagged if not row[3]]
    ordered = first + rest
    pages = max(1, -(-len(ordered) // per_page))
    page = min(max(page, 1), pages)
    return UnitPage(ordered[(page - 1) * per_page:page * per_page], page, pages, len(ordered),
                    len(first), len(flagged))


@dataclass(frozen=True)
class UnitRow:
    """What the dashboard shows of a unit."""

    id: int
    name: str
    path: str


# -- the follow-up report to the board --------------------------------------------------------
RED_RATE = 0.20

def light(slots_: list[Slot], rate: Rate) -> str:
    """The traffic light of one control in the period (the rule is stated on the report page)."""
    if not slots_:
        return "none"
    states = {s.state for s in slots_}
    runs = [s.run for s in slots_ if s.run is not None]
    if (states & {"overdue", "not_performed"} or any(r.severity == "serious" for r in runs)
            or (rate.rate is not None and rate.rate >= RED_RATE)):
        return "red"
    if rate.deviations or states & {"due", "in_progress", "planned"}:
        return "yellow"
    return "green"


@dataclass
class ReportRow:
    control: Control
    slots: list[Slot]
    rate: Rate
    light: str
    deviations: list[tuple[ControlRunItem, ControlRun]]
    not_performed: list[Slot]
    by_conclusion: dict[str, int] = field(default_factory=dict)
    done: int = 0

    @property
    def runs(self) -> list[Slot]:
        return [s for s in self.slots if s.run is not None]


LISTED_RUNS = 12  # up to this many runs a control's row names each; beyond, counts only


@dataclass(frozen=True)
class RunRow:
    """What the report shows of a run (plain columns: a region has thousands of runs)."""

    id: int
    control_id: int
    unit_id: int
    period: Period
    occasion: int
    conclusion: str | None
    sample_size: int
    deviation_count: int
    severity: str | None
    not_performed_reason: str | None
    population_size: int = 0
    unit: UnitRow | None = None


def report(plan: ControlPlan, period: Period, today: Period) -> list[ReportRow]:
    """Per control of the plan: the runs of the period on every unit it covers, the
    deviations (with the measures decided from them), what was not performed and why, and
    the traffic light. Four statements; units and runs read as plain rows."""
    return reports([plan], period, today)[plan.id]


def reports(plans_: list[ControlPlan], period: Period, today: Period
            ) -> dict[int, list[ReportRow]]:
    """:func:`report` of several plans at once (the board pack: every plan of a unit's
    subtree), in the same four statements whatever the number of plans."""
    by_plan: dict[int, list[ReportRow]] = {p.id: [] for p in plans_}
    if not plans_:
        return by_plan
    controls = list(db.session.scalars(
        select(Control).where(Control.plan_id.in_(list(by_plan)))
        .options(selectinload(Control.risk_links))
        .order_by(Control.plan_id, Control.number)))
    ids = [c.id for c in controls]
    units_of: dict[int, list[UnitRow]] = defaultdict(list)
    units: dict[int, UnitRow] = {}
    runs: list[RunRow] = []
    if ids:
        for cid, uid, name, path in db.session.execute(
                select(ControlUnit.control_id, Unit.id, Unit.name, Unit.path)
                .join(Unit, Unit.id == ControlUnit.unit_id)
                .where(ControlUnit.control_id.in_(ids)).order_by(Unit.path)):
            units.setdefault(uid, UnitRow(uid, name, path))
            units_of[cid].append(units[uid])
        runs = [RunRow(*row, unit=units.get(row.unit_id)) for row in db.session.execute(
            select(ControlRun.id, ControlRun.control_id, ControlRun.unit_id, ControlRun.period,
                   ControlRun.occasion, ControlRun.conclusion, ControlRun.sample_size,
                   ControlRun.deviation_count, ControlRun.severity,
                   ControlRun.not_performed_reason, ControlRun.population_size)
            .where(ControlRun.control_id.in_(ids), ControlRun.period == period))]
    items = list(db.session.scalars(
        select(ControlRunItem).join(ControlRun, ControlRun.id == ControlRunItem.run_id)
        .where(ControlRun.control_id.in_(ids), ControlRun.period == period,
               ControlRunItem.result == "deviation")
        .options(joinedload(ControlRunItem.measure))
        .order_by(ControlRunItem.run_id, ControlRunItem.position))) if runs else []
    runs_by_control: dict[int, list[RunRow]] = defaultdict(list)
    for r in runs:
        runs_by_control[r.control_id].append(r)
    run_by_id = {r.id: r for r in runs}
    devs_by_control: dict[int, list] = defaultdict(list)
    for i in items:
        devs_by_control[run_by_id[i.run_id].control_id].append((i, run_by_id[i.run_id]))
    plan_units = {p.id: UnitRow(p.unit.id, p.unit.name, p.unit.path) for p in plans_}
    for c in controls:
        mine = runs_by_control[c.id]
        cslots = slots(c, units_of.get(c.id) or [plan_units[c.plan_id]], mine, today,
                       [period])
        rate = Rate(sum(r.sample_size for r in mine), sum(r.deviation_count for r in mine),
                    len(mine))
        by_conclusion: dict[str, int] = defaultdict(int)
        for r in mine:
            by_conclusion[r.conclusion or ""] += 1
        by_plan[c.plan_id].append(ReportRow(
            c, cslots, rate, light(cslots, rate), devs_by_control[c.id],
            [s for s in cslots if s.state in ("not_performed", "overdue")],
            dict(by_conclusion), sum(s.state == "done" for s in cslots)))
    return by_plan


def plans_for_pack(user: User, unit: Unit, year: int) -> list[ControlPlan]:
    """The adopted (followed-up, closed) plans of ``year`` on ``unit`` and beneath it that
    the user reads, the unit's own first (one statement)."""
    return list(db.session.scalars(
        select(ControlPlan).join(Unit, Unit.id == ControlPlan.unit_id)
        .where(Unit.subtree_clause(unit.path), units_clause(user), ControlPlan.year == year,
               ControlPlan.state.in_(RUNNING))
        .options(joinedload(ControlPlan.unit), selectinload(ControlPlan.follow_ups))
        .order_by(Unit.path)))


# -- the API -------------------------------------------------------------------------------
def api_controls(user: User, unit: Unit | None, include_subunits: bool) -> list[Control]:
    stmt = (select(Control).join(ControlPlan, ControlPlan.id == Control.plan_id)
            .join(Unit, Unit.id == ControlPlan.unit_id).where(units_clause(user))
            .options(joinedload(Control.plan).joinedload(ControlPlan.unit),
                     selectinload(Control.risk_links), selectinload(Control.unit_links),
                     joinedload(Control.responsible))
            .order_by(ControlPlan.year.desc(), Control.plan_id, Control.number))
    if unit is not None:
        stmt = stmt.where(Unit.subtree_clause(unit.path) if include_subunits
                          else ControlPlan.unit_id == unit.id)
    return list(db.session.scalars(stmt).unique())


def api_runs(user: User, unit: Unit | None, period: Period | None, include_subunits: bool,
             limit: int, offset: int) -> tuple[list[ControlRun], int]:
    base = (select(ControlRun).join(Unit, Unit.id == ControlRun.unit_id)
            .where(units_clause(user)))
    if unit is not None:
        base = base.where(Unit.subtree_clause(unit.path) if include_subunits
                          else ControlRun.unit_id == unit.id)
    if period is not None:
        base = base.where(ControlRun.period == period)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = list(db.session.scalars(
        base.options(joinedload(ControlRun.unit), joinedload(ControlRun.performed_by),
                     selectinload(ControlRun.items))
        .order_by(ControlRun.period, ControlRun.control_id, Unit.path, ControlRun.occasion)
        .limit(limit).offset(offset)))
    return rows, total or 0
