"""Heat-map benchmark: the whole-organisation matrix page, API call, register page
(50 rows by value, with the total) and board view, through the real app, against the
bare SQL they run, the physical limit (the same matrix aggregate over a plain table of
one current row per risk: benchmarks/limit.py) and a trivial page of ours (the floor).

Prints, per size and database, medians in milliseconds, the ratios x/SQL and x/limit
(page/limit, api/limit, …), and the number of SQL statements per request.
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
from riskreg.domain.periods import Period
from riskreg.extensions import db

from .generate import PASSWORD, SIZES, generate
from .limit import build_limit_table, limit_aggregate

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


URLS = {
    "page": "/heatmaps/?unit={root}&period={period}",
    "api": "/api/v1/heatmap?unit={root}&period={period}",
    # 50 rows sorted by value with the total, over the whole organisation
    "register": "/risks/?unit={root}&include_subunits=y&period={period}&sort=-value",
    "board": "/board/?period={period}",
    # the findings (issue 10) and the measures' follow-up report (000's layout)
    "findings": "/api/v1/findings?unit={root}&period={findings_period}",
    "report": "/measures/report?unit={root}&period={period}",
    # the board pack (issue 12): print HTML and the PDF made on the server (WeasyPrint)
    "pack": "/board/pack?unit={root}&period={period}",
    "pack_pdf": "/board/pack.pdf?unit={root}&period={period}",
}
AGGREGATE = ("string_agg(", "group_concat(")  # the matrix aggregate's string of risks


def bench(url: str, size_name: str, repeat: int) -> dict:
    counts = generate(url, SIZES[size_name])
    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "RISKREG_TODAY": "2026-11-25", "SQLALCHEMY_ENGINE_OPTIONS": {},
                      "REQUEST_LOG": False})
    out: dict = {"size": size_name, "db": make_url(url).get_backend_name(), **counts}
    with app.app_context():
        engine = db.engine
        root = 1
        out["limit_rows"] = build_limit_table(engine, Period.parse(PERIOD).key)
        client = app.test_client()
        r = client.post("/login", data={"email": "board0@bench.example", "password": PASSWORD})
        assert r.status_code == 302, r.status_code
        for name, template in URLS.items():
            path = template.format(root=root, period=PERIOD, findings_period=FINDINGS_PERIOD)

            def request(path=path):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            with captured(engine) as statements:
                request()
            out[f"{name}_queries"] = len(statements)
            out[f"{name}_ms"] = median_ms(request, repeat)
            # what the request asked the database: its SELECTs, replayed bare
            reads = [s for s in statements if s[0].lstrip().upper().startswith(("SELECT", "WITH"))]

            def replay(stmts=reads):
                with engine.connect() as conn:
                    for statement, params in stmts:
                        conn.exec_driver_sql(statement, params).fetchall()
            out[f"{name}_sql_ms"] = median_ms(replay, repeat)
            aggregate = [s for s in reads if any(a in s[0] for a in AGGREGATE)][:1]
            out[f"{name}_aggregate_ms"] = (median_ms(lambda a=aggregate: replay(a), repeat)
                                           if aggregate else None)
        sql, params = limit_aggregate(engine.dialect.name, f"/{root}/", f"/{root}0")
        with engine.connect() as conn:
            out["limit_ms"] = median_ms(lambda: conn.execute(text(sql), params).all(), repeat)
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
    head = ("size", "db", "risks", "assessm.", "state rows", "what", "queries", "median ms",
            "SQL ms", "aggr. ms", "limit ms", "floor ms", "x/SQL", "x/limit")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        for what in URLS:
            ms, sql, agg = r[f"{what}_ms"], r[f"{what}_sql_ms"], r[f"{what}_aggregate_ms"]
            print("| " + " | ".join(str(x) for x in (
                r["size"], r["db"], r["risks"], r["assessments"], r["state rows"], what,
                r[f"{what}_queries"], f"{ms:.1f}", f"{sql:.1f}",
                "–" if agg is None else f"{agg:.1f}", f"{r['limit_ms']:.2f}",
                f"{r['floor_ms']:.2f}", f"{ms / sql:.2f}", f"{ms / r['limit_ms']:.1f}")) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["municipality", "region"],
                        choices=list(SIZES))
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (optional)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--db-prefix", default="riskreg_bench",
                        help="scratch PostgreSQL databases are named PREFIX_SIZE")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            if not args.no_sqlite and size != "hosted":
                rows.append(bench(f"sqlite:///{Path(tmp) / size}.sqlite3", size, args.repeat))
                print_table(rows[-1:])  # as it comes: a long run may be cut short
                print(flush=True)
            if args.postgres:
                name = f"{args.db_prefix}_{size}"
                url = scratch_postgres(args.postgres, name)
                try:
                    rows.append(bench(url, size, args.repeat))
                finally:
                    drop_postgres(args.postgres, name)
                print_table(rows[-1:])
                print(flush=True)
    print_table(rows)


if __name__ == "__main__":
    main()
