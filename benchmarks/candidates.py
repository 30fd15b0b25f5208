"""The candidates for "every risk's state in period P for this subtree" (issue 14),
measured on one generated database: the same matrix aggregate, written for each.

* walk – no stored state: per risk, the latest assessment at or before P by a backward
  walk of the (risk_id, period, likelihood, consequence) index (the code before issue 14);
* until – each assessment row carries valid_until (the next assessment's period, or
  open): per risk, one probe of (risk_id, valid_until, period, …);
* until+path – valid_until and a copy of the unit path, index (valid_until, unit_path,
  …): one range, but it reads every row still valid after P in the whole table;
* state – the chosen one: risk_state, closed rows per tertial plus one open row per
  risk, index (period, unit_path, since, until, …): reads P's rows of the subtree;
* limit – one current row per risk (benchmarks/limit.py), the physical limit.

    python -m benchmarks.generate --size region --db URL
    python -m benchmarks.candidates --db URL
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import create_engine, text

from riskreg.domain.periods import Period

from .limit import agg, build_limit_table, limit_aggregate

OPEN = 999_999


def setup(engine) -> None:
    pg = engine.dialect.name == "postgresql"
    collate = ' COLLATE "C"' if pg else ""
    with engine.begin() as conn:
        for t in ("cand_until", "cand_until_path"):
            conn.execute(text(f"DROP TABLE IF EXISTS {t}"))
        conn.execute(text(
            "CREATE TABLE cand_until (risk_id INTEGER NOT NULL, period INTEGER NOT NULL,"
            " valid_until INTEGER NOT NULL, likelihood INTEGER NOT NULL,"
            " consequence INTEGER NOT NULL, PRIMARY KEY (risk_id, period))"))
        conn.execute(text(
            "INSERT INTO cand_until SELECT a.risk_id, a.period, COALESCE((SELECT min(b.period)"
            " FROM risk_assessment b WHERE b.risk_id = a.risk_id AND b.period > a.period),"
            f" {OPEN}), a.likelihood, a.consequence FROM risk_assessment a"))
        conn.execute(text("CREATE INDEX ix_cand_until ON cand_until (risk_id, valid_until,"
                          " period, likelihood, consequence)"))
        conn.execute(text(
            "CREATE TABLE cand_until_path (risk_id INTEGER NOT NULL, number INTEGER NOT NULL,"
            f" unit_path VARCHAR(400){collate} NOT NULL, period INTEGER NOT NULL,"
            " valid_until INTEGER NOT NULL, likelihood INTEGER NOT NULL,"
            " consequence INTEGER NOT NULL)"))
        conn.execute(text(
            "INSERT INTO cand_until_path SELECT c.risk_id, r.number, u.path, c.period,"
            " CASE WHEN r.archived_in IS NOT NULL AND r.archived_in < c.valid_until"
            " THEN r.archived_in ELSE c.valid_until END, c.likelihood, c.consequence"
            " FROM cand_until c JOIN risk r ON r.id = c.risk_id JOIN unit u ON u.id = r.unit_id"))
        conn.execute(text("CREATE INDEX ix_cand_until_path ON cand_until_path (valid_until,"
                          " unit_path, period, likelihood, consequence, risk_id, number)"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if pg else "ANALYZE"))


def statements(dialect: str) -> dict[str, str]:
    a = agg(dialect)
    mat = "MATERIALIZED "
    by_risk = a.format(t="r.").replace("r.risk_id", "r.id")
    return {
        "walk": (
            f"WITH counted AS {mat}(SELECT r.id AS risk_id, r.number AS number, CASE WHEN"
            " r.archived_in IS NULL OR r.archived_in > :p THEN (SELECT ra.period * 10000"
            " + ra.likelihood * 100 + ra.consequence FROM risk_assessment ra WHERE"
            " ra.risk_id = r.id AND ra.period <= :p ORDER BY ra.period DESC LIMIT 1) END"
            " AS code FROM risk r JOIN unit u ON u.id = r.unit_id WHERE u.path >= :lo AND"
            " u.path < :hi) SELECT code / 100 % 100, code % 100, count(*),"
            f" {a.format(t='')} FROM counted WHERE code IS NOT NULL GROUP BY 1, 2"),
        "until": (
            f"SELECT ra.likelihood, ra.consequence, count(*), {by_risk}"
            " FROM risk r JOIN unit u ON u.id = r.unit_id JOIN cand_until ra ON"
            " ra.risk_id = r.id AND ra.valid_until > :p AND ra.period <= :p WHERE"
            " u.path >= :lo AND u.path < :hi AND (r.archived_in IS NULL OR"
            " r.archived_in > :p) GROUP BY ra.likelihood, ra.consequence"),
        "until+path": (
            f"SELECT likelihood, consequence, count(*), {a.format(t='')} FROM"
            " cand_until_path WHERE valid_until > :p AND period <= :p AND unit_path >= :lo"
            " AND unit_path < :hi GROUP BY likelihood, consequence"),
        "state": (
            f"SELECT likelihood, consequence, count(*), {a.format(t='')} FROM risk_state"
            " WHERE period IN (:p, 0) AND since <= :p AND (until IS NULL OR until > :p)"
            " AND unit_path >= :lo AND unit_path < :hi GROUP BY likelihood, consequence"),
    }


def median_ms(conn, sql: str, params: dict, repeat: int) -> tuple[float, list]:
    result = conn.execute(text(sql), params).all()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        conn.execute(text(sql), params).all()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), sorted(tuple(r[:3]) for r in result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    engine = create_engine(args.db)
    setup(engine)
    build_limit_table(engine, Period(2026, 3).key)
    dialect = engine.dialect.name
    with engine.connect() as conn:
        division = conn.execute(text(
            "SELECT path FROM unit WHERE depth = 2 ORDER BY id LIMIT 1")).scalar_one()
    subtrees = {"organisation": "/1/", "one division": division}
    periods = {"2026-T3 (now)": Period(2026, 3), "2026-T2": Period(2026, 2),
               "2019-T1 (old)": Period(2019, 1)}
    print(f"{dialect}: median ms of the matrix aggregate ({args.repeat} runs)")
    print("| subtree | period | " + " | ".join([*statements(dialect), "limit"]) + " |")
    print("|---|---|" + "---|" * (len(statements(dialect)) + 1))
    with engine.connect() as conn:
        for sname, path in subtrees.items():
            lo, hi = path, path[:-1] + "0"
            for pname, period in periods.items():
                cells, answers = [], set()
                for sql in statements(dialect).values():
                    ms, answer = median_ms(conn, sql, {"p": period.key, "lo": lo, "hi": hi},
                                           args.repeat)
                    cells.append(f"{ms:.1f}")
                    answers.add(tuple(answer))
                assert len(answers) == 1, f"candidates disagree: {sname} {pname}"
                limit = "–"
                if pname.endswith("(now)"):
                    sql, params = limit_aggregate(dialect, lo, hi)
                    limit = f"{median_ms(conn, sql, params, args.repeat)[0]:.1f}"
                print(f"| {sname} | {pname} | " + " | ".join(cells) + f" | {limit} |",
                      flush=True)
    engine.dispose()


if __name__ == "__main__":
    main()
