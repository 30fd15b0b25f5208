"""The stored state of a risk per period (``risk_state``, issue 14): how it is derived,
kept and checked. How it is read: riskreg/risks/latest.py.

A risk counts in period P with its latest assessment at or before P (carried forward
when it was not re-assessed), unless it was archived in or before P. ``expected_rows``
is that rule, once, in Python; every write that changes an input of it (an assessment
added or corrected, the risk created or archived, the demo seed) calls ``refresh`` for
the risk in its own transaction (flush only: the unit of work commits), and
``differences`` recomputes every risk's rows to compare them with what is stored
(``flask check-state``; the tests run it after every write path).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy import delete, insert, select

from ..extensions import db
from ..models.org import Unit
from ..models.risks import OPEN_PERIOD, Risk, RiskAssessment, RiskState

# (period, since, until, likelihood, consequence, unit_path, number, prev): one stored row
Row = tuple[int, int, int | None, int, int, str, int, int | None]

PERIOD_FACTOR, STEP_FACTOR = 10000, 100  # the packing of riskreg/risks/latest.py ``code``


def packed(since: int, likelihood: int, consequence: int) -> int:
    """An assessment as one integer: period key·10000 + likelihood·100 + consequence."""
    return since * PERIOD_FACTOR + likelihood * STEP_FACTOR + consequence


def expected_rows(assessments: Iterable[tuple[int, int, int]], archived_in: int | None,
                  unit_path: str, number: int) -> list[Row]:
    """The rows of one risk, from its assessments ``(period key, likelihood,
    consequence)`` and the key of the tertial it was archived in (or None).

    Every row of an archived risk carries ``until`` (closed rows too: true by
    construction for them, it finds the rows that stop counting in a tertial), and every
    row carries ``prev``: the packed assessment that counted in the tertial before its
    own ``since`` (the risk's previous assessment, or None for its first), so that a
    comparison with the previous tertial reads one period's rows only
    (riskreg/heatmaps/queries.py)."""
    ordered = sorted(assessments)
    rows: list[Row] = []
    for i, (since, likelihood, consequence) in enumerate(ordered):
        prev = packed(*ordered[i - 1]) if i else None
        if i + 1 < len(ordered):  # closed: one row per tertial until the next assessment
            stop = ordered[i + 1][0]
            if archived_in is not None:
                stop = min(stop, archived_in)
            rows.extend((p, since, archived_in, likelihood, consequence, unit_path, number,
                         prev) for p in range(since, stop))
        elif archived_in is None or archived_in > since:  # open: from ``since`` on
            rows.append((OPEN_PERIOD, since, archived_in, likelihood, consequence, unit_path,
                         number, prev))
    return rows


def _row_dicts(risk_id: int, rows: list[Row]) -> list[dict]:
    return [dict(risk_id=risk_id, period=p, since=s, until=u, likelihood=lk, consequence=c,
                 unit_path=path, number=n, prev=prev)
            for p, s, u, lk, c, path, n, prev in rows]


def refresh(risk: Risk) -> None:
    """Rewrite the stored state of ``risk`` from its assessments (flushes first; three
    statements whatever the risk's history)."""
    db.session.flush()
    assessments = db.session.execute(
        select(RiskAssessment.period, RiskAssessment.likelihood, RiskAssessment.consequence)
        .where(RiskAssessment.risk_id == risk.id)).all()
    rows = expected_rows(((p.key, lk, c) for p, lk, c in assessments),
                         risk.archived_in.key if risk.archived_in else None,
                         risk.unit.path, risk.number)
    db.session.execute(delete(RiskState).where(RiskState.risk_id == risk.id))
    if rows:
        db.session.execute(insert(RiskState), _row_dicts(risk.id, rows))


# -- the consistency check ------------------------------------------------------------
@dataclass(frozen=True)
class Difference:
    risk_id: int
    missing: tuple[Row, ...]  # expected, not stored
    extra: tuple[Row, ...]  # stored, not expected


def _key(value) -> int | None:
    return None if value is None else getattr(value, "key", value)


def expected_by_risk() -> Iterator[tuple[int, list[Row]]]:
    """Every risk's expected rows, recomputed from the assessments (streamed by risk)."""
    risks = db.session.execute(
        select(Risk.id, Risk.archived_in, Risk.number, Unit.path)
        .join(Unit, Unit.id == Risk.unit_id).order_by(Risk.id)).all()
    assessments = db.session.execute(
        select(RiskAssessment.risk_id, RiskAssessment.period, RiskAssessment.likelihood,
               RiskAssessment.consequence)
        .order_by(RiskAssessment.risk_id, RiskAssessment.period)).all()
    by_risk = {rid: [(p.key, lk, c) for _r, p, lk, c in group]
               for rid, group in groupby(assessments, key=lambda r: r[0])}
    for rid, archived_in, number, path in risks:
        yield rid, expected_rows(by_risk.get(rid, []), _key(archived_in), path, number)


def differences() -> list[Difference]:
    """Risks whose stored state differs from the state recomputed from the assessments
    (also rows of risks that do not exist)."""
    stored: dict[int, set[Row]] = {}
    for r in db.session.execute(select(
            RiskState.risk_id, RiskState.period, RiskState.since, RiskState.until,
            RiskState.likelihood, RiskState.consequence, RiskState.unit_path,
            RiskState.number, RiskState.prev)):
        stored.setdefault(r[0], set()).add(
            (r[1], _key(r[2]), _key(r[3]), r[4], r[5], r[6], r[7], r[8]))
    found = []
    for rid, rows in expected_by_risk():
        have, want = stored.pop(rid, set()), set(rows)
        if have != want:
            found.append(Difference(rid, tuple(sorted(want - have, key=str)),
                                    tuple(sorted(have - want, key=str))))
    found += [Difference(rid, (), tuple(sorted(rows, key=str)))
              for rid, rows in stored.items()]
    return found


def rebuild() -> int:
    """Rewrite every risk's state (after a bulk load); returns the number of rows."""
    db.session.execute(delete(RiskState))
    batch: list[dict] = []
    written = 0
    for rid, rows in expected_by_risk():
        batch += _row_dicts(rid, rows)
        if len(batch) >= 20_000:
            db.session.execute(insert(RiskState), batch)
            written, batch = written + len(batch), []
    if batch:
        db.session.execute(insert(RiskState), batch)
        written += len(batch)
    return written
