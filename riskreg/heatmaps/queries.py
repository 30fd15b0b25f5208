"""The heat-map aggregates, in SQL over the unit subtree.

A risk counts in period P with its latest assessment at or before P (carried
forward when not re-assessed), unless it was archived in or before P. That state is
stored per period (``risk_state``) and read by one index range per statement:
riskreg/risks/latest.py. Names (risk event, unit) are joined only for the capped lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, cast, func, or_, select

from ..auth.permissions import role_paths, units_clause
from ..domain.matrix import Band, Scale, risk_value
from ..domain.periods import Period
from ..extensions import db
from ..models.org import Unit
from ..models.risks import OPEN_PERIOD, Risk
from ..risks.latest import S, code, counts_in, in_paths, in_subtree, unpack

MAX_LISTED = 40  # risk numbers listed in one cell before "and N more"
RECORD_SEP = "\x1e"  # between titles in a cell's list (textguard refuses control characters)

@dataclass
class Cell:
    likelihood: int
    consequence: int
    value: int
    band: Band
    count: int = 0
    risks: list[tuple[int, int]] = field(default_factory=list)  # (id, number), by number
    titles: dict[int, str] = field(default_factory=dict)  # risk id → title (tooltips)
    moved_in: list[tuple[int, int, int]] = field(default_factory=list)  # (from L, from C, n)

    @property
    def risk_ids(self) -> list[int]:
        return [rid for rid, _n in self.risks]


@dataclass
class Matrix:
    unit: Unit
    period: Period
    include_subunits: bool
    scale: Scale
    cells: dict[tuple[int, int], Cell]
    outside_scale: int = 0

    @property
    def total(self) -> int:
        return sum(c.count for c in self.cells.values())

    def count_at_or_above(self, threshold: int) -> int:
        return sum(c.count for c in self.cells.values() if c.value >= threshold)

    def cell(self, likelihood: int, consequence: int) -> Cell:
        return self.cells[(likelihood, consequence)]

    def band_totals(self) -> list[tuple[Band, int]]:
        totals = {b.name: 0 for b in self.scale.bands}
        for c in self.cells.values():
            totals[c.band.name] += c.count
        return [(b, totals[b.name]) for b in sorted(self.scale.bands, key=lambda b: -b.low)]

    def rows(self) -> list[list[Cell]]:
        """Likelihood from high to low (rows), consequence from low to high (columns)."""
        n = self.scale.size
        return [[self.cells[(lk, c)] for c in range(1, n + 1)] for lk in range(n, 0, -1)]


def _steps(code):
    """(likelihood, consequence, value) of a packed code, in SQL."""
    return unpack(code)[:3]


def _reach(user, unit: Unit, include_subunits: bool, s=S):
    """SQL on the state rows: the subtree asked for, within the user's reach."""
    return and_(in_paths(role_paths(user), s), in_subtree(unit, include_subunits, s))


def matrix(user, unit: Unit, period: Period, scale: Scale, include_subunits: bool = True
           ) -> Matrix:
    """Counts, risk numbers and titles per cell: one aggregate over one index range of the
    stored state (riskreg/risks/latest.py), the titles joined from the risks."""
    # ids, numbers and titles as three strings aggregated from the same rows (so in the
    # same order): int() over a split is much cheaper than parsing pairs; titles are
    # joined by a control character that no stored text holds (textguard refuses them)
    stmt = (select(S.likelihood, S.consequence, func.count(),
                   func.aggregate_strings(cast(S.risk_id, String), ","),
                   func.aggregate_strings(cast(S.number, String), ","),
                   func.aggregate_strings(Risk.title, RECORD_SEP))
            .join(Risk, Risk.id == S.risk_id)
            .where(counts_in(period), _reach(user, unit, include_subunits))
            .group_by(S.likelihood, S.consequence))
    cells = {
        (lk, c): Cell(lk, c, risk_value(lk, c), scale.band(risk_value(lk, c)))
        for lk in range(1, scale.size + 1) for c in range(1, scale.size + 1)
    }
    outside = 0
    for lk, c, count, ids, numbers, titles in db.session.execute(stmt):
        if (lk, c) not in cells:
            outside += count
            continue
        cell = cells[(lk, c)]
        cell.count = count
        triples = sorted(zip(map(int, numbers.split(",")), map(int, ids.split(",")),
                             titles.split(RECORD_SEP), strict=True))
        cell.risks = [(rid, number) for number, rid, _t in triples]
        cell.titles = {rid: title for _n, rid, title in triples}
    return Matrix(unit, period, include_subunits, scale, cells, outside)


# -- comparison -------------------------------------------------------------------
@dataclass
class Change:
    risk_id: int
    number: int
    title: str
    unit_name: str
    old_value: int | None
    new_value: int | None
    old_cell: tuple[int, int] | None
    new_cell: tuple[int, int] | None

    @property
    def direction(self) -> str:
        if self.old_value is None:
            return "new"
        if self.new_value is None:
            return "archived"
        if self.new_value > self.old_value:
            return "up"
        if self.new_value < self.old_value:
            return "down"
        return "same"


@dataclass
class Comparison:
    period: Period
    against: Period
    counts: dict[str, int]
    changes: list[Change]  # capped list, biggest changes first
    listed_limit: int
    truncated: bool = False  # more changed risks than listed


def _pairs(user, unit: Unit, period: Period, against: Period, include_subunits: bool):
    """Per risk in reach: its packed assessment counted in ``period`` (new) and in
    ``against`` (old), NULL on a side where it did not count. One index read of the state
    rows of both periods, folded per risk."""
    new, old = counts_in(period), counts_in(against)
    return (
        select(S.risk_id.label("risk_id"), S.number.label("number"),
               func.max(case((new, code()), else_=None)).label("new"),
               func.max(case((old, code()), else_=None)).label("old"))
        .where(S.period.in_((period.key, against.key, OPEN_PERIOD)), or_(new, old),
               _reach(user, unit, include_subunits))
        .group_by(S.risk_id, S.number)
        .cte("pairs")
    )


def transitions(user, unit: Unit, period: Period, against: Period,
                include_subunits: bool = True) -> list[tuple]:
    """(old L, old C, new L, new C, count) over the subtree, NULL where a risk did not
    count: one aggregate from which both the direction counts and the moves follow."""
    k = _pairs(user, unit, period, against, include_subunits)
    ol, oc, _ov = _steps(k.c.old)
    nl, nc, _nv = _steps(k.c.new)
    stmt = (select(ol, oc, nl, nc, func.count())
            .where(or_(k.c.new.is_not(None), k.c.old.is_not(None)))
            .group_by(ol, oc, nl, nc))
    return [tuple(r) for r in db.session.execute(stmt)]


def direction_counts(rows: list[tuple]) -> dict[str, int]:
    counts = {k: 0 for k in ("up", "down", "same", "new", "archived")}
    for ol, oc, nl, nc, count in rows:
        if ol is None:
            counts["new"] += count
        elif nl is None:
            counts["archived"] += count
        elif nl * nc > ol * oc:
            counts["up"] += count
        elif nl * nc < ol * oc:
            counts["down"] += count
        else:
            counts["same"] += count
    return counts


def moves(rows: list[tuple]) -> list[tuple[int, int, int, int, int]]:
    """The transitions where a risk changed cell (both sides present)."""
    return [(ol, oc, nl, nc, k) for ol, oc, nl, nc, k in rows
            if ol is not None and nl is not None and (ol, oc) != (nl, nc)]


def comparison(user, unit: Unit, period: Period, against: Period,
               include_subunits: bool = True, limit: int = 200,
               rows: list[tuple] | None = None) -> Comparison:
    """Direction counts (from the transitions aggregate) and the biggest changes (capped)."""
    if rows is None:
        rows = transitions(user, unit, period, against, include_subunits)
    k = _pairs(user, unit, period, against, include_subunits)
    ol, oc, ov = _steps(k.c.old)
    nl, nc, nv = _steps(k.c.new)
    delta = func.abs(func.coalesce(nv, 0) - func.coalesce(ov, 0)).label("delta")
    top = (select(k.c.risk_id, k.c.number, k.c.old, k.c.new, delta)
           .where(or_(k.c.old.is_(None), k.c.new.is_(None), ol != nl, oc != nc))
           .order_by(delta.desc(), k.c.number, k.c.risk_id).limit(limit + 1)
           .subquery("top"))
    ol, oc, ov = _steps(top.c.old)
    nl, nc, nv = _steps(top.c.new)
    # the names only for the listed risks
    listed = db.session.execute(
        select(top.c.risk_id, top.c.number, Risk.title, Unit.name, ov, nv, ol, oc, nl, nc)
        .join(Risk, Risk.id == top.c.risk_id).join(Unit, Unit.id == Risk.unit_id)
        .order_by(top.c.delta.desc(), top.c.number, top.c.risk_id)
    ).all()
    truncated = len(listed) > limit
    listed = listed[:limit]
    changes = [Change(rid, num, title, uname, old_v, new_v,
                      (o_l, o_c) if old_v is not None else None,
                      (n_l, n_c) if new_v is not None else None)
               for rid, num, title, uname, old_v, new_v, o_l, o_c, n_l, n_c in listed]
    return Comparison(period, against, direction_counts(rows), changes, limit, truncated)


def attach_flows(m: Matrix, moved: list[tuple[int, int, int, int, int]]) -> None:
    for ol, oc, nl, nc, n in moved:
        if (nl, nc) in m.cells:
            m.cells[(nl, nc)].moved_in.append((ol, oc, n))


# -- lists under the matrix -----------------------------------------------------------
@dataclass
class ListedRisk:
    id: int
    number: int
    title: str
    unit_name: str
    likelihood: int
    consequence: int
    value: int
    period: Period


def at_or_above(user, unit: Unit, period: Period, threshold: int, include_subunits: bool = True,
                limit: int = 100) -> list[ListedRisk]:
    """Risks at or above ``threshold``, highest first, capped (the matrix has the count)."""
    value = risk_value(S.likelihood, S.consequence).label("value")
    top = (select(S.risk_id, S.number, S.likelihood, S.consequence, value, S.since)
           .where(counts_in(period), _reach(user, unit, include_subunits), value >= threshold)
           .order_by(value.desc(), S.number, S.risk_id).limit(limit).subquery("top"))
    rows = db.session.execute(
        select(top.c.risk_id, top.c.number, Risk.title, Unit.name, top.c.likelihood,
               top.c.consequence, top.c.value, top.c.since)
        .join(Risk, Risk.id == top.c.risk_id).join(Unit, Unit.id == Risk.unit_id)
        .order_by(top.c.value.desc(), top.c.number, top.c.risk_id)
    ).all()
    return [ListedRisk(*r) for r in rows]


def divisions(user, unit: Unit) -> list[Unit]:
    """The readable units directly beneath ``unit`` (one matrix each on the board view)."""
    return list(db.session.scalars(
        select(Unit).where(Unit.parent_id == unit.id, units_clause(user)).order_by(Unit.name)))
