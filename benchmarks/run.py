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


def reads_of(statements: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """The SELECTs (and WITH … SELECTs) of captured statements: what a request asked."""
    return [s for s in statements if s[0].lstrip().upper().startswith(("SELECT", "WITH"))]


def replayer(engine, reads: list[tuple[str, object]]):
    """A function that runs ``reads`` bare through the DBAPI on one connection: what the
    database alone costs for them."""
    def replay():
        with engine.connect() as conn:
            for statement, params in reads:
                conn.exec_driver_sql(statement, params).fetchall()
    return replay


def median_ms(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


STAT = {"median": statistics.median, "min": min}
stat = statistics.median  # --stat: min is the better estimate on a machine under load
# --clock cpu: this process's CPU time, blind to waiting for a core on a loaded machine;
# for SQLite the whole request (the database runs in the process), not for PostgreSQL
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = time.perf_counter


def interleaved_medians(fns: dict, repeat: int) -> dict[str, float]:
    """The median (or --stat min) ms of each of ``fns``, timed in rounds (each once per
    round) so that the load of a shared machine, which drifts over minutes, weighs on all
    of them alike: the ratios within a run are what the figures are for."""
    for fn in fns.values():
        fn()  # warm-up
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            started = clock()
            fn()
            times[name].append((clock() - started) * 1000)
    return {name: stat(t) for name, t in times.items()}


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
# the matrix aggregate: the API's strings of risks, the pages' first risks of each cell
AGGREGATE = ("string_agg(", "group_concat(", ") AS ranked", "array_agg(")


def existing_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {name: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                  for name, table in (("risks", "risk"), ("assessments", "risk_assessment"),
                                      ("state rows", "risk_state"))}
    engine.dispose()
    return counts


def bench(url: str, size_name: str, repeat: int, fresh: bool = True,
          only: list[str] | None = None) -> dict:
    """Times the URLs on a database generated here (``fresh``) or already generated."""
    counts = generate(url, SIZES[size_name]) if fresh else existing_counts(url)
    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "RISKREG_TODAY": "2026-11-25", "SQLALCHEMY_ENGINE_OPTIONS": {},
                      # more rounds of the PDF than the per-user limit (20 a minute) allows
                      "PACK_PDF_LIMIT": "10000 per minute", "REQUEST_LOG": False})
    out: dict = {"size": size_name, "db": make_url(url).get_backend_name(), **counts}
    with app.app_context():
        engine = db.engine
        root = 1
        out["limit_rows"] = build_limit_table(engine, Period.parse(PERIOD).key)
        client = app.test_client()
        r = client.post("/login", data={"email": "board0@bench.example", "password": PASSWORD})
        assert r.status_code == 302, r.status_code
        fns: dict = {}
        for name, template in URLS.items():
            if only and name not in only:
                continue
            path = template.format(root=root, period=PERIOD, findings_period=FINDINGS_PERIOD)

            def request(path=path):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            with captured(engine) as statements:
                request()
            out[f"{name}_queries"] = len(statements)
            # what the request asked the database: its SELECTs, replayed bare
            reads = reads_of(statements)
            replay = replayer(engine, reads)
            fns[f"{name}_ms"] = request
            fns[f"{name}_sql_ms"] = replay
            aggregate = [s for s in reads if any(a in s[0] for a in AGGREGATE)][:1]
            if aggregate:
                fns[f"{name}_aggregate_ms"] = replayer(engine, aggregate)
            else:
                out[f"{name}_aggregate_ms"] = None
        sql, params = limit_aggregate(engine.dialect.name, f"/{root}/", f"/{root}0")
        with engine.connect() as conn:
            fns["limit_ms"] = lambda: conn.execute(text(sql), params).all()
            fns["floor_ms"] = lambda: client.get("/healthz")
            out.update(interleaved_medians(fns, repeat))
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
    head = ("size", "db", "risks", "assessm.", "state rows", "what", "queries",
            f"{stat.__name__} ms", "SQL ms", "aggr. ms", "limit ms", "floor ms", "x/SQL", "x/limit")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        for what in URLS:
            if f"{what}_ms" not in r:
                continue
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
    parser.add_argument("--stat", choices=list(STAT), default="median",
                        help="of the repeated timings (min: the least disturbed by other "
                             "jobs on a shared machine)")
    parser.add_argument("--clock", choices=list(CLOCKS), default="wall",
                        help="cpu: this process's CPU time (SQLite only: PostgreSQL's work "
                             "is in the server's processes)")
    parser.add_argument("--only", nargs="+", choices=list(URLS),
                        help="time only these URLs (with --existing)")
    parser.add_argument("--existing", nargs=2, action="append", metavar=("SIZE", "URL"),
                        help="time a database generated before (benchmarks.generate) "
                             "instead of generating; repeatable, nothing else is run")
    args = parser.parse_args()
    global stat, clock
    stat, clock = STAT[args.stat], CLOCKS[args.clock]
    rows = []
    if args.existing:
        for size, url in args.existing:
            rows.append(bench(url, size, args.repeat, fresh=False, only=args.only))
            print_table(rows[-1:])
            print(flush=True)
        print_table(rows)
        return
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
