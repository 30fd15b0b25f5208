"""The heat-map aggregates, in SQL over the unit subtree.

A risk counts in period P with its latest assessment at or before P (carried
forward when not re-assessed), unless it was archived in or before P. That state is
stored per period (``risk_state``) and read by one index range per statement:
riskreg/risks/latest.py. Names (risk event, unit) are joined only for the capped lists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from ..auth.permissions import role_paths, units_clause
from ..domain.matrix import Band, Scale, risk_value
from ..domain.periods import Period
from ..extensions import db
from ..models.org import Unit
from ..models.risks import Risk
from ..risks.latest import (
    STEP_FACTOR,
    Counted,
    S,
    bound_counts_in,
    bound_reach,
    code,
    counts_in,
    in_paths,
    in_subtree,
    period_params,
    reach_params,
    unpack,
)

MAX_LISTED = 40  # risk numbers listed in one cell before "and N more"
_LOW32 = (1 << 32) - 1

@dataclass
class Cell:
    likelihood: int
    consequence: int
    value: int
    band: Band
    count: int = 0
    ids: list[int] = field(default_factory=list)  # the risks' ids, by number
    numbers: list[int] = field(default_factory=list)  # their numbers, in the same order
    titles: dict[int, str] = field(default_factory=dict)  # risk id → title (tooltips)
    moved_in: list[tuple[int, int, int]] = field(default_factory=list)  # (from L, from C, n)

    @property
    def risk_ids(self) -> list[int]:
        return self.ids

    @property
    def risks(self) -> list[tuple[int, int]]:
        """(id, number) of the cell's risks (listed ones on the pages), by number."""
        return list(zip(self.ids, self.numbers, strict=True))


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


def _reach(user, unit: Unit, include_subunits: bool, s=S):
    """SQL on the state rows: the subtree asked for, within the user's reach."""
    return and_(in_paths(role_paths(user), s), in_subtree(unit, include_subunits, s))


@lru_cache(maxsize=64)
def _matrix_all(shape: tuple[int, bool]):
    """Every risk's id and number per cell (the API, the Excel matrix): ids and numbers
    as two strings of digits aggregated from the same rows (so in the same order), the
    aggregate of the physical limit (benchmarks/limit.py). Built once per shape
    (riskreg/risks/latest.py). Ordering inside the aggregate (ORDER BY number) cost
    PostgreSQL 10 ms more at region size than parsing and sorting in C (``_by_number``)."""
    return (select(S.likelihood, S.consequence, func.count(),
                   func.aggregate_strings(cast(S.risk_id, String), ","),
                   func.aggregate_strings(cast(S.number, String), ","))
            .where(bound_counts_in(), bound_reach(*shape))
            .group_by(S.likelihood, S.consequence))


def _by_number(ids: list[int], numbers: list[int]) -> tuple[list[int], list[int]]:
    """``ids`` and ``numbers`` (same order) reordered by number, then id: two stable
    sorts of positions with C-level keys, no Python call per risk."""
    order = sorted(range(len(ids)), key=ids.__getitem__)
    order.sort(key=numbers.__getitem__)
    return [ids[k] for k in order], [numbers[k] for k in order]


def _ints(digits: str) -> list[int]:
    """``"3,1,2"`` → ``[3, 1, 2]`` (json.loads parses 20,000 of them in C; ids are below
    2**31: parse_id)."""
    return json.loads(f"[{digits}]")


@lru_cache(maxsize=64)
def _matrix_listed(shape: tuple[int, bool], dialect: str):
    """The first ``listed`` risks of each cell by number with their titles, and the
    cell's count (the pages). Built once per shape.

    PostgreSQL: per cell, the count and an array of number·2³² + id sorted and cut to
    ``listed`` (a sort per cell of one bigint each), unnested, the titles probed for
    those only: 11 ms at region size against 24 for the window below, which sorts every
    row of the subtree and hash-joins every risk (benchmarks/README.md, third pass).
    SQLite (no arrays): a window over the same index range."""
    if dialect == "postgresql":
        return _matrix_listed_arrays(shape)
    cell_of = (S.likelihood, S.consequence)
    ranked = (select(S.likelihood, S.consequence, S.risk_id, S.number,
                     func.row_number().over(partition_by=cell_of,
                                            order_by=(S.number, S.risk_id)).label("rn"),
                     func.count().over(partition_by=cell_of).label("n"))
              .where(bound_counts_in(), bound_reach(*shape)).subquery("ranked"))
    return (select(ranked.c.likelihood, ranked.c.consequence, ranked.c.n, ranked.c.risk_id,
                   ranked.c.number, Risk.title)
            .join(Risk, Risk.id == ranked.c.risk_id).where(ranked.c.rn <= bindparam("listed"))
            .order_by(ranked.c.likelihood, ranked.c.consequence, ranked.c.rn))


def _matrix_listed_arrays(shape: tuple[int, bool]):
    shift = literal_column("32")  # bigint << integer (a bound 32 would be a bigint)
    packed = cast(S.number, BigInteger).op("<<")(shift).op("|")(S.risk_id)
    first = func.array_agg(aggregate_order_by(packed, packed))
    cells = (select(S.likelihood, S.consequence, func.count().label("n"),
                    first[1:bindparam("listed")].label("firsts"))
             .where(bound_counts_in(), bound_reach(*shape))
             .group_by(S.likelihood, S.consequence).subquery("cells"))
    listed = (func.unnest(cells.c.firsts).table_valued("p", with_ordinality="rn")
              .render_derived(name="listed"))
    rid = cast(listed.c.p.op("&")(_LOW32), Integer)
    title = select(Risk.title).where(Risk.id == rid).scalar_subquery()
    return (select(cells.c.likelihood, cells.c.consequence, cells.c.n, rid,
                   cast(listed.c.p.op(">>")(shift), Integer), title)
            .select_from(cells).join(listed, true())
            .order_by(cells.c.likelihood, cells.c.consequence, listed.c.rn))


def matrix(user, unit: Unit, period: Period, scale: Scale, include_subunits: bool = True,
           listed: int | None = None) -> Matrix:
    """Counts and risks per cell over one index range of the stored state
    (riskreg/risks/latest.py), never joined to the risk for all of them.

    ``listed`` None (the API): every risk's id and number per cell, no titles: one
    index-only aggregate. ``listed`` N (the pages): the first N risks of each cell by
    number with their titles (the tooltips), and the cell's count: a window over the same
    index range, the titles joined for those N per cell only."""
    cells = {
        (lk, c): Cell(lk, c, risk_value(lk, c), scale.band(risk_value(lk, c)))
        for lk in range(1, scale.size + 1) for c in range(1, scale.size + 1)
    }
    shape, values = reach_params(role_paths(user), unit, include_subunits)
    values |= period_params(period)
    outside: set[tuple[int, int]] = set()
    m = Matrix(unit, period, include_subunits, scale, cells)
    if listed is None:
        for lk, c, count, ids, numbers in db.session.execute(_matrix_all(shape), values):
            if (lk, c) not in cells:
                m.outside_scale += count
                continue
            cell = cells[(lk, c)]
            cell.count = count
            cell.ids, cell.numbers = _by_number(_ints(ids), _ints(numbers))
        return m
    stmt = _matrix_listed(shape, db.session.get_bind().dialect.name)
    values["listed"] = listed
    for lk, c, count, rid, number, title in db.session.execute(stmt, values):
        cell = cells.get((lk, c))
        if cell is None:
            if (lk, c) not in outside:
                outside.add((lk, c))
                m.outside_scale += count
            continue
        cell.count = count
        cell.ids.append(rid)
        cell.numbers.append(number)
        cell.titles[rid] = title
    return m


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
    transitions: list[tuple] = field(default_factory=list)  # see transitions()


CELL = STEP_FACTOR * STEP_FACTOR  # code % CELL: the cell (likelihood·100 + consequence)


def _pairs(shape: tuple[int, bool], adjacent: bool):
    """Per risk in reach: its packed assessment counted in the period bound as ``new``
    and in the one bound as ``old``, NULL on a side where it did not count.

    ``adjacent`` (``old`` is the tertial before ``new``, the default comparison): the
    rows of ``new`` alone, each carrying the state before (``prev`` if the assessment is
    of ``new`` itself, else the same one), and the rows of the risks archived in ``new``
    (``ix_risk_state_gone``): two index ranges, no fold (risk_state's ``prev``).
    Otherwise the state rows of each period side by side (UNION ALL) and folded per risk.
    (A FULL JOIN of the two reads is a hash join on PostgreSQL but a nested loop of
    20,000 × 20,000 rows on SQLite.)"""
    reach = bound_reach(*shape)
    none = cast(null(), Integer)  # typed: // on an untyped NULL is FLOOR(x / y)
    if adjacent:
        before = case((S.since < bindparam("new"), code()), else_=S.prev)
        return union_all(
            select(S.risk_id, S.number, code().label("new"), before.label("old"))
            .where(bound_counts_in("new"), reach),
            select(S.risk_id, S.number, none, code())
            .where(bound_counts_in("old"), S.until == bindparam("new"), reach),
        ).cte("pairs").prefix_with("MATERIALIZED")
    sides = union_all(
        select(S.risk_id, S.number, code().label("new"), none.label("old"))
        .where(bound_counts_in("new"), reach),
        select(S.risk_id, S.number, none, code()).where(bound_counts_in("old"), reach),
    ).subquery("sides")
    return (
        select(sides.c.risk_id, sides.c.number, func.max(sides.c.new).label("new"),
               func.max(sides.c.old).label("old"))
        .group_by(sides.c.risk_id, sides.c.number)
        .cte("pairs").prefix_with("MATERIALIZED")
    )


def _pair_params(user, unit: Unit, period: Period, against: Period, include_subunits: bool
                 ) -> tuple[tuple[tuple[int, bool], bool], dict]:
    """The shape of ``_pairs`` (the reach's and whether ``against`` is the tertial before
    ``period``) and its values."""
    shape, values = reach_params(role_paths(user), unit, include_subunits)
    return ((shape, against == period.previous()),
            values | period_params(period, "new") | period_params(against, "old"))


def _cell_transitions(k):
    """(old cell, new cell, count) over the pairs ``k``, a cell being likelihood·100 +
    consequence (NULL where the risk did not count)."""
    old_cell, new_cell = (k.c.old % CELL).label("old_cell"), (k.c.new % CELL).label("new_cell")
    return select(old_cell, new_cell, func.count().label("n")).group_by(old_cell, new_cell)


def _unpack_cell(cell: int | None) -> tuple[int | None, int | None]:
    return (None, None) if cell is None else (cell // STEP_FACTOR, cell % STEP_FACTOR)


def _transition_row(old_cell, new_cell, n) -> tuple:
    return (*_unpack_cell(old_cell), *_unpack_cell(new_cell), n)


def transitions(user, unit: Unit, period: Period, against: Period,
                include_subunits: bool = True) -> list[tuple]:
    """(old L, old C, new L, new C, count) over the subtree, NULL where a risk did not
    count: one aggregate from which both the direction counts and the moves follow."""
    shape, values = _pair_params(user, unit, period, against, include_subunits)
    return [_transition_row(*r) for r in db.session.execute(_transitions_stmt(shape), values)]


@lru_cache(maxsize=64)
def _transitions_stmt(shape: tuple[tuple[int, bool], bool]):
    return _cell_transitions(_pairs(*shape))


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


@lru_cache(maxsize=64)
def _comparison_stmt(shape: tuple[tuple[int, bool], bool]):
    """The transitions and the ``listed`` biggest changes with their names (built once per
    shape)."""
    k = _pairs(*shape)
    _ol, _oc, ov, _op = unpack(k.c.old)
    _nl, _nc, nv, _np = unpack(k.c.new)
    delta = func.abs(func.coalesce(nv, 0) - func.coalesce(ov, 0)).label("delta")
    top = (select(k.c.risk_id, k.c.number, k.c.old, k.c.new, delta)
           .where(or_(k.c.old.is_(None), k.c.new.is_(None), k.c.old % CELL != k.c.new % CELL))
           .order_by(delta.desc(), k.c.number, k.c.risk_id).limit(bindparam("listed"))
           .subquery("top"))
    moved = _cell_transitions(k).subquery("moved")
    none_int, none_text = cast(null(), Integer), cast(null(), String)
    return union_all(
        select(literal(0).label("kind"), moved.c.old_cell, moved.c.new_cell, moved.c.n,
               none_int, none_int, none_text, none_text),
        # the names only for the listed risks
        select(literal(1), top.c.old, top.c.new, top.c.delta, top.c.risk_id, top.c.number,
               Risk.title, Unit.name)
        .join(Risk, Risk.id == top.c.risk_id).join(Unit, Unit.id == Risk.unit_id),
    )


def comparison(user, unit: Unit, period: Period, against: Period,
               include_subunits: bool = True, limit: int = 200) -> Comparison:
    """The transitions (so the direction counts and the moves) and the biggest changes
    (capped, with names), in one statement over the pairs read once: the transitions'
    rows and the listed changes side by side (UNION ALL, told apart by ``kind``)."""
    shape, values = _pair_params(user, unit, period, against, include_subunits)
    values["listed"] = limit + 1
    stmt = _comparison_stmt(shape)
    rows, listed = [], []
    for kind, old, new, n, rid, number, title, uname in db.session.execute(stmt, values):
        if kind == 0:
            rows.append(_transition_row(old, new, n))
        else:
            listed.append((-n, number, rid, title, uname, old, new))
    listed.sort(key=lambda r: r[:3])
    truncated = len(listed) > limit
    changes = []
    for _d, number, rid, title, uname, old, new in listed[:limit]:
        o, n = Counted.from_code(old), Counted.from_code(new)
        changes.append(Change(rid, number, title, uname, o and o.value, n and n.value,
                              o and (o.likelihood, o.consequence),
                              n and (n.likelihood, n.consequence)))
    return Comparison(period, against, direction_counts(rows), changes, limit, truncated, rows)


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
