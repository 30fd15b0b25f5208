"""Internal-control benchmark: the coordinator's dashboard and the board's follow-up report
at region size, through the real app, against the bare SQL they run (replayed) and a
trivial page of ours (the floor).

The register: the region's unit tree of benchmarks/generate.py (~2,400 units in 5 levels),
one internal-control plan for 2026 on the board with 30 controls: 5 spot checks covering
every unit of the lowest level (~2,160 each) and 25 controls on the board itself, each
tertial. Runs: 9 in 10 expected runs of 2026-T1 and T2 are recorded (10 drawn items each,
1 in 20 a deviation, 1 in 3 deviations with a measure link left empty); 2026-T3 is today.

Prints medians in milliseconds, the ratio page/SQL and page/floor, the number of SQL
statements per request and the size of the answer (kB). Ratios come from one run on one machine.

    python -m benchmarks.controls                        # SQLite
    python -m benchmarks.controls --postgres postgresql+psycopg://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, text

from riskreg import create_app
from riskreg.auth.passwords import hash_password
from riskreg.config import TestConfig
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import (
    Control,
    ControlPlan,
    ControlRun,
    ControlRunItem,
    ControlUnit,
    RoleAssignment,
    Unit,
    User,
)

from .run import captured, drop_postgres, median_ms, reads_of, replayer, scratch_postgres

PASSWORD = "benchmark-password"
FANOUT = (8, 30, 9)  # the region of benchmarks/generate.py
SPOT_CHECKS, BOARD_CONTROLS = 5, 25
YEAR = 2026


def generate(url: str, seed: int = 11) -> dict[str, int]:
    rng = random.Random(seed)
    engine = create_engine(url)
    db.metadata.drop_all(engine)
    db.metadata.create_all(engine)
    now = datetime.now(UTC)
    units = [dict(id=1, code="R", name="Region", kind="region", parent_id=None, path="/1/",
                  depth=0, created_at=now),
             dict(id=2, code="R-B", name="Styrelse", kind="board", parent_id=1,
                  path="/1/2/", depth=1, created_at=now)]
    levels = [[(2, "/1/2/")]]
    for depth, fan in enumerate(FANOUT, start=2):
        level = []
        for parent_id, parent_path in levels[-1]:
            for _ in range(fan):
                uid = len(units) + 1
                units.append(dict(id=uid, code=f"U{uid}", name=f"Enhet {uid}",
                                  kind="division" if depth == 2 else "unit",
                                  parent_id=parent_id, path=f"{parent_path}{uid}/",
                                  depth=depth, created_at=now))
                level.append((uid, f"{parent_path}{uid}/"))
        levels.append(level)
    leaves = [u for u, _p in levels[-1]]
    users = [dict(id=1, email="coordinator@bench.example", name="Samordnare",
                  password_hash=hash_password(PASSWORD), active=True, session_token="t1",
                  created_at=now)]
    roles = [dict(id=1, user_id=1, role="coordinator", unit_id=2)]
    plan = dict(id=1, unit_id=2, year=YEAR, title="Internkontrollplan", state="adopted",
                decided_on=date(YEAR - 1, 12, 1), paragraph="§ 1", dnr="1", demo=False,
                created_at=now, updated_at=now, version=1)
    controls, cunits, runs, items = [], [], [], []
    for n in range(1, SPOT_CHECKS + BOARD_CONTROLS + 1):
        spot = n <= SPOT_CHECKS
        controls.append(dict(id=n, plan_id=1, number=n, title=f"Kontroll {n}",
                             method="stickprov" if spot else "styrmatt", method_text=None,
                             frequency="tertial", responsible_id=1, sample_size=10,
                             created_at=now, updated_at=now, version=1))
        covered = leaves if spot else [2]
        cunits += [dict(control_id=n, unit_id=u) for u in covered]
        for tertial in (1, 2):
            key = Period(YEAR, tertial).key
            for u in covered:
                if rng.random() >= 0.9:
                    continue
                rid = len(runs) + 1
                deviations = 0
                for pos in range(10 if spot else 0):
                    deviation = rng.random() < 0.05
                    deviations += deviation
                    items.append(dict(id=len(items) + 1, run_id=rid, position=pos,
                                      population_index=pos * 7, value=f"P-{rid}-{pos}",
                                      result="deviation" if deviation else "ok",
                                      severity="minor" if deviation else None))
                runs.append(dict(id=rid, control_id=n, unit_id=u, period=key, occasion=1,
                                 performed_by_id=1, population_size=100 if spot else 0,
                                 sample_size=10 if spot else 0, seed="s", deviation_count=
                                 deviations, severity="minor" if deviations else None,
                                 conclusion="deviations" if deviations else "ok", demo=False,
                                 created_at=now, updated_at=now, version=1))
    with engine.begin() as conn:
        for model, rows in ((Unit, units), (User, users), (RoleAssignment, roles),
                            (ControlPlan, [plan]), (Control, controls),
                            (ControlUnit, cunits), (ControlRun, runs),
                            (ControlRunItem, items)):
            for i in range(0, len(rows), 20_000):
                conn.execute(insert(model), rows[i:i + 20_000])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql"
                          else "ANALYZE"))
    engine.dispose()
    return {"units": len(units), "controls": len(controls), "covered": len(cunits),
            "runs": len(runs), "items": len(items)}


URLS = {
    "dashboard": "/controls/dashboard?unit=2&period={year}-T2",
    "report": "/controls/plans/1/report?period={year}-T2",
    "api runs": "/api/v1/control-runs?unit=2&period={year}-T2&per_page=200",
    # the coordinator is responsible for every control: the to-do list's control runs to
    # perform (riskreg/controls/reminders.py) read every covered unit of the plan
    "start page": "/",
}


def bench(url: str, repeat: int) -> dict:
    counts = generate(url)
    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "RISKREG_TODAY": f"{YEAR}-11-25", "SQLALCHEMY_ENGINE_OPTIONS": {},
                      "REQUEST_LOG": False})
    out = {"db": create_engine(url).dialect.name, **counts}
    with app.app_context():
        engine = db.engine
        client = app.test_client()
        r = client.post("/login", data={"email": "coordinator@bench.example",
                                        "password": PASSWORD})
        assert r.status_code == 302, r.status_code
        for name, template in URLS.items():
            path = template.format(year=YEAR)

            sizes = []

            def request(path=path, sizes=sizes):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                sizes.append(len(response.data))
            with captured(engine) as statements:
                request()
            replay = replayer(engine, reads_of(statements))
            out[name] = {"queries": len(statements), "ms": median_ms(request, repeat),
                         "sql_ms": median_ms(replay, repeat), "kb": sizes[0] / 1024}
        out["floor_ms"] = median_ms(lambda: client.get("/healthz"), repeat)
        db.session.remove()
        engine.dispose()
    return out


def print_result(out: dict) -> None:
    print(f"{out['db']}: {out['units']} units, {out['controls']} controls on "
          f"{out['covered']} unit links, {out['runs']} runs, {out['items']} drawn items")
    print(f"{'what':10} {'queries':>7} {'median ms':>10} {'SQL ms':>8} {'x/SQL':>6} "
          f"{'x/floor':>8} {'kB':>7}")
    for name in URLS:
        r = out[name]
        print(f"{name:10} {r['queries']:>7} {r['ms']:>10.1f} {r['sql_ms']:>8.1f} "
              f"{r['ms'] / r['sql_ms']:>6.1f} {r['ms'] / out['floor_ms']:>8.0f} "
              f"{r['kb']:>7.0f}")
    print(f"floor (/healthz) {out['floor_ms']:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="admin URL; a scratch database is made and dropped")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    if args.postgres:
        url = scratch_postgres(args.postgres, "riskreg_bench_controls")
        try:
            print_result(bench(url, args.repeat))
        finally:
            drop_postgres(args.postgres, "riskreg_bench_controls")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            print_result(bench(f"sqlite:///{Path(tmp) / 'controls.sqlite3'}", args.repeat))
    print(f"in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
