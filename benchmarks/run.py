"""Heat-map benchmark: the whole-organisation matrix page and API call, through the
real app, against the bare SQL they run and a trivial page of ours (the floor).

Prints, per size and database, medians in milliseconds and the ratios
page/SQL and page/floor, plus the number of SQL statements per request.
Ratios come from one run on one machine; absolute times vary between machines.

    python -m benchmarks.run                      # municipality + region on SQLite
    python -m benchmarks.run --postgres postgresql+psycopg://postgres@127.0.0.1/postgres \
        --sizes municipality region hosted        # and PostgreSQL (creates scratch DBs)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from riskreg import create_app
from riskreg.config import TestConfig
from riskreg.extensions import db

from .generate import PASSWORD, SIZES, generate

PERIOD = "2026-T3"
# Findings for the previous tertial: its report is due (2026-T3's is due from December),
# so all three kinds of finding do their work.
FINDINGS_PERIOD = "2026-T2"


@contextmanager
def captured(engine):
    statements: list[tuple[str, object]] = []

    def _before(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", _before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _before)


def median_ms(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def bench(url: str, size_name: str, repeat: int) -> dict:
    counts = generate(url, SIZES[size_name])
    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "RISKREG_TODAY": "2026-11-25", "SQLALCHEMY_ENGINE_OPTIONS": {}})
    out: dict = {"size": size_name, "db": make_url(url).get_backend_name(), **counts}
    with app.app_context():
        engine = db.engine
        client = app.test_client()
        r = client.post("/login", data={"email": "board0@bench.example", "password": PASSWORD})
        assert r.status_code == 302, r.status_code
        root = 1
        # name: (path, the table whose statements count as its SQL, has a matrix aggregate)
        urls = {
            "page": (f"/heatmaps/?unit={root}&period={PERIOD}", "risk_assessment", True),
            "api": (f"/api/v1/heatmap?unit={root}&period={PERIOD}", "risk_assessment", True),
            "findings": (f"/api/v1/findings?unit={root}&period={FINDINGS_PERIOD}", "measure",
                         False),
            "report": (f"/measures/report?unit={root}&period={PERIOD}", "measure", False),
        }
        for name, (path, table, has_aggregate) in urls.items():
            def request(path=path):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            with captured(engine) as statements:
                request()
            out[f"{name}_queries"] = len(statements)
            out[f"{name}_ms"] = median_ms(request, repeat)
            heavy = [s for s in statements if table in s[0]]

            def replay(stmts=heavy):
                with engine.connect() as conn:
                    for statement, params in stmts:
                        conn.exec_driver_sql(statement, params).fetchall()
            out[f"{name}_sql_ms"] = median_ms(replay, repeat)
            if not has_aggregate:
                out[f"{name}_aggregate_ms"] = None
                continue
            # the matrix aggregate: the first statement over the counted risks per cell
            aggregate = [s for s in heavy if "counted AS" in s[0] and "GROUP BY" in s[0]][:1]
            assert aggregate, "matrix aggregate not found"
            out[f"{name}_aggregate_ms"] = median_ms(lambda a=aggregate: replay(a), repeat)
        out["floor_ms"] = median_ms(lambda: client.get("/healthz"), repeat)
        db.session.remove()
        engine.dispose()
    return out


def scratch_postgres(admin_url: str, name: str) -> str:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres(admin_url: str, name: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def print_table(rows: list[dict]) -> None:
    head = ("size", "db", "units", "risks", "assessm.", "measures", "what", "queries",
            "median ms",
            "SQL ms", "aggr. ms", "floor ms", "page/SQL", "page/aggr.", "page/floor")
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for r in rows:
        for what in ("page", "api", "findings", "report"):
            ms, sql, agg = r[f"{what}_ms"], r[f"{what}_sql_ms"], r[f"{what}_aggregate_ms"]
            print(" | ".join(str(x) for x in (
                r["size"], r["db"], r["units"], r["risks"], r["assessments"], r["measures"],
                what, r[f"{what}_queries"], f"{ms:.1f}", f"{sql:.1f}",
                f"{agg:.1f}" if agg is not None else "–", f"{r['floor_ms']:.2f}",
                f"{ms / sql:.2f}", f"{ms / agg:.2f}" if agg is not None else "–",
                f"{ms / r['floor_ms']:.0f}")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["municipality", "region"],
                        choices=list(SIZES))
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (optional)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            if not args.no_sqlite and size != "hosted":
                rows.append(bench(f"sqlite:///{Path(tmp) / size}.sqlite3", size, args.repeat))
                print(f"done: {size} sqlite", flush=True)
            if args.postgres:
                name = f"riskreg_bench_{size}"
                url = scratch_postgres(args.postgres, name)
                try:
                    rows.append(bench(url, size, args.repeat))
                finally:
                    drop_postgres(args.postgres, name)
                print(f"done: {size} postgresql", flush=True)
    print_table(rows)


if __name__ == "__main__":
    main()
