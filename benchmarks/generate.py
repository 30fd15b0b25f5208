"""Synthetic registers at three sizes, for the benchmarks.

* municipality: ~50 units, 150 risks;
* region: ~2,400 units in a 5-level tree, 20,000 risks, 30 tertials (~570,000 assessments);
* hosted: 10 organisations of the region's size (~5.7 million assessments; PostgreSQL).

About one measure per risk (issue 10): on a unit of the organisation, linked to the risk of
the same number (one in five to a second risk too), due dates spread over 2024-2027, 5 %
finished; follow-ups in the last three tertials (9 in 10 measures each), with the default
status scale.

Not every risk is re-assessed every tertial (19 in 20 are), risks start at different
times, and 2 % are archived. Rows are written with Core bulk inserts and fixed ids.

    python -m benchmarks.generate --size region --db sqlite:////tmp/region.sqlite3
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, insert, text

from riskreg.auth.passwords import hash_password
from riskreg.domain.matrix import DEFAULT_SCALE_CONFIG
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.measures.scale import DEFAULT_STATUSES
from riskreg.models import (
    Measure,
    MeasureFollowUp,
    MeasureRisk,
    MeasureStatus,
    Perspective,
    Plan,
    Risk,
    RiskAssessment,
    RiskScale,
    RiskState,
    RoleAssignment,
    StrategicGoal,
    SuccessFactor,
    Unit,
    User,
)
from riskreg.risks.state import expected_rows

PASSWORD = "benchmark-password"
LAST_PERIOD = Period(2026, 3)
TERTIALS = 30


@dataclass(frozen=True)
class Size:
    name: str
    organisations: int
    fanout: tuple[int, ...]  # children per level below the board
    risks_per_org: int


SIZES = {
    "municipality": Size("municipality", 1, (4, 4, 2), 150),
    "region": Size("region", 1, (8, 30, 9), 20_000),
    "hosted": Size("hosted", 10, (8, 30, 9), 20_000),
}


def _chunks(rows: list[dict], n: int = 20_000):
    for i in range(0, len(rows), n):
        yield rows[i:i + n]


def generate(url: str, size: Size, seed: int = 7) -> dict[str, int]:
    """Create the schema and the data; returns counts and the benchmark user ids."""
    rng = random.Random(seed)
    engine = create_engine(url)
    db.metadata.drop_all(engine)
    db.metadata.create_all(engine)
    now = datetime.now(UTC)
    pw = hash_password(PASSWORD)
    units, users, roles, plans, persp, goals, factors = [], [], [], [], [], [], []
    scales, risks, assessments, states = [], [], [], []
    statuses, measures, links, follow_ups = [], [], [], []
    uid = rid = aid = 0
    first_key = LAST_PERIOD.key - TERTIALS + 1
    for org in range(size.organisations):
        root_id = uid + 1
        levels: list[list[tuple[int, str]]] = []
        uid += 1
        units.append(dict(id=uid, code=f"O{org}", name=f"Region {org}", kind="region",
                          parent_id=None, path=f"/{uid}/", depth=0, created_at=now))
        uid += 1
        board = (uid, f"/{root_id}/{uid}/")
        units.append(dict(id=uid, code=f"O{org}-B", name=f"Styrelse {org}", kind="board",
                          parent_id=root_id, path=board[1], depth=1, created_at=now))
        levels.append([board])
        for depth, fan in enumerate(size.fanout, start=2):
            level = []
            for parent_id, parent_path in levels[-1]:
                for _ in range(fan):
                    uid += 1
                    path = f"{parent_path}{uid}/"
                    kind = "division" if depth == 2 else "unit"
                    units.append(dict(id=uid, code=f"U{uid}", name=f"Enhet {uid}", kind=kind,
                                      parent_id=parent_id, path=path, depth=depth,
                                      created_at=now))
                    level.append((uid, path))
            levels.append(level)
        scales.append(dict(unit_id=root_id, **DEFAULT_SCALE_CONFIG))
        board_user = len(users) + 1
        users.append(dict(id=board_user, email=f"board{org}@bench.example",
                          name=f"Board {org}", password_hash=pw, active=True,
                          session_token=f"t{board_user}", created_at=now))
        owner = len(users) + 1
        users.append(dict(id=owner, email=f"owner{org}@bench.example", name=f"Owner {org}",
                          password_hash=pw, active=True, session_token=f"t{owner}",
                          created_at=now))
        coordinator = len(users) + 1  # for the load run (benchmarks/locustfile.py)
        users.append(dict(id=coordinator, email=f"coordinator{org}@bench.example",
                          name=f"Coordinator {org}", password_hash=pw, active=True,
                          session_token=f"t{coordinator}", created_at=now))
        roles += [dict(user_id=board_user, role="board", unit_id=root_id),
                  dict(user_id=owner, role="owner", unit_id=root_id),
                  dict(user_id=coordinator, role="coordinator", unit_id=root_id)]
        plan_id = org + 1
        plans.append(dict(id=plan_id, unit_id=board[0], name=f"Plan {org}", start_year=2016,
                          end_year=2026))
        factor_ids = []
        for p in range(3):
            pid = len(persp) + 1
            persp.append(dict(id=pid, plan_id=plan_id, name=f"Perspektiv {p}", position=p))
            gid = len(goals) + 1
            goals.append(dict(id=gid, perspective_id=pid, name=f"Mål {p}", position=0))
            for f in range(3):
                fid = len(factors) + 1
                factors.append(dict(id=fid, goal_id=gid, name=f"Faktor {p}.{f}", position=f))
                factor_ids.append(fid)
        risk_units = [up for level in levels[1:] for up in level]
        for number in range(1, size.risks_per_org + 1):
            rid += 1
            sf = rng.random() < 0.5
            archived = now if rng.random() < 0.02 else None
            unit_id, unit_path = rng.choice(risk_units)
            risks.append(dict(
                id=rid, kind="success_factor" if sf else "unit", plan_id=plan_id,
                number=number, unit_id=unit_id, owner_id=owner, title=f"Risk {number}",
                success_factor_id=rng.choice(factor_ids) if sf else None,
                event=f"Risk {number} i organisation {org}",
                archived_at=archived,
                archived_in=LAST_PERIOD.key if archived else None,
                archive_reason="Inaktuell" if archived else None, created_at=now,
                updated_at=now, version=1,
                consequence_text=None, cause=None, mitigation=None, control_method=None,
                handling_question=None, handling_type=None, method=None,
                archived_by_id=owner if archived else None))
            lk, c = rng.randint(1, 4), rng.randint(1, 4)
            start = first_key + rng.randint(0, 2)
            history = []
            for key in range(start, LAST_PERIOD.key + 1):
                if key != start and rng.random() >= 0.95:
                    continue
                lk = min(4, max(1, lk + rng.choice((-1, 0, 0, 1))))
                c = min(4, max(1, c + rng.choice((-1, 0, 0, 0, 1))))
                aid += 1
                assessments.append(dict(id=aid, risk_id=rid, period=key, likelihood=lk,
                                        consequence=c, value=lk * c, comment=None,
                                        assessed_by_id=owner, assessed_at=now))
                history.append((key, lk, c))
            # the stored state, by the application's own rule (riskreg/risks/state.py)
            states += [dict(risk_id=rid, period=p, since=s, until=u, likelihood=sl,
                            consequence=sc, unit_path=path, number=n, prev=prev)
                       for p, s, u, sl, sc, path, n, prev in expected_rows(
                           history, LAST_PERIOD.key if archived else None, unit_path, number)]
        _measures(rng, root_id, plan_id, owner, risk_units, factor_ids,
                  [r["id"] for r in risks[-size.risks_per_org:]], now,
                  statuses, measures, links, follow_ups)
    with engine.begin() as conn:
        for model, rows in ((Unit, units), (User, users), (RoleAssignment, roles),
                            (RiskScale, scales), (Plan, plans), (Perspective, persp),
                            (StrategicGoal, goals), (SuccessFactor, factors), (Risk, risks),
                            (MeasureStatus, statuses), (Measure, measures),
                            (MeasureRisk, links), (MeasureFollowUp, follow_ups)):
            for chunk in _chunks(rows):
                conn.execute(insert(model.__table__), chunk)
        for chunk in _chunks(assessments, 50_000):
            conn.execute(insert(RiskAssessment.__table__), chunk)
        for chunk in _chunks(states, 50_000):
            conn.execute(insert(RiskState.__table__), chunk)
        if engine.dialect.name == "postgresql":
            for table in ("unit", "user_account", "risk", "risk_assessment", "plan",
                          "measure", "measure_status", "measure_follow_up"):
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
    # VACUUM too: PostgreSQL's index-only scans need the visibility map (autovacuum sets
    # it in production; right after a bulk load it is empty)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql"
                          else "ANALYZE"))
    engine.dispose()
    return {"units": len(units), "risks": len(risks), "assessments": len(assessments),
            "measures": len(measures), "follow_ups": len(follow_ups), "state rows": len(states)}


def _measures(rng: random.Random, root_id: int, plan_id: int, owner: int,
              risk_units: list[tuple[int, str]], factor_ids: list[int], risk_ids: list[int],
              now: datetime, statuses: list, measures: list, links: list,
              follow_ups: list) -> None:
    """About one measure per risk of the organisation (see the module docstring)."""
    status_ids = []
    for pos, (code, symbol, label, colour, done) in enumerate(DEFAULT_STATUSES):
        sid = len(statuses) + 1
        statuses.append(dict(id=sid, unit_id=root_id, code=code, symbol=symbol, label=label,
                             colour=colour, means_finished=done, position=pos))
        status_ids.append(sid)
    for number, risk_id in enumerate(risk_ids, start=1):
        mid = len(measures) + 1
        finished = rng.random() < 0.05
        closed = LAST_PERIOD.key - rng.randint(0, 5) if finished else None
        measures.append(dict(
            id=mid, plan_id=plan_id, number=number, unit_id=rng.choice(risk_units)[0],
            responsible_id=owner, title=f"Åtgärd {number}", description=None,
            background=None, start_date=date(2023, 1, 1),
            due_date=date(2024, 1, 1) + timedelta(days=rng.randint(0, 4 * 365)),
            success_factor_id=rng.choice(factor_ids) if rng.random() < 0.5 else None,
            goal_text=None, state="finished" if finished else "active", closed_in=closed,
            close_reason="Genomförd" if finished else None,
            closed_by_id=owner if finished else None, created_at=now, updated_at=now,
            version=1))
        links.append(dict(measure_id=mid, risk_id=risk_id, linked_by_id=owner,
                          linked_at=now))
        if rng.random() < 0.2:
            other = rng.choice(risk_ids)
            if other != risk_id:
                links.append(dict(measure_id=mid, risk_id=other, linked_by_id=owner,
                                  linked_at=now))
        for key in range(LAST_PERIOD.key - 2, LAST_PERIOD.key + 1):
            if rng.random() < 0.9:
                follow_ups.append(dict(
                    id=len(follow_ups) + 1, measure_id=mid, period=key,
                    status_id=rng.choice(status_ids), comment="Arbete pågår", result=None,
                    carried_forward=rng.random() < 0.3, reported_by_id=owner,
                    reported_at=now))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=SIZES, required=True)
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of an empty database")
    args = parser.parse_args()
    started = time.perf_counter()
    counts = generate(args.db, SIZES[args.size])
    print(f"{args.size}: {counts} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
