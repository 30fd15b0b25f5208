"""The physical limit of the heat-map answer: a plain table with exactly one current row
per counted risk (likelihood, consequence, unit path, id, number), not used by the app,
and the same matrix aggregate over it. Shared by benchmarks.run and benchmarks.candidates.
"""

from __future__ import annotations

from sqlalchemy import text

LIMIT_TABLE = "bench_limit"


def agg(dialect: str) -> str:
    """The string aggregates of ids and numbers, as the app's matrix builds them."""
    fn = "string_agg" if dialect == "postgresql" else "group_concat"
    return ", ".join(f"{fn}(CAST({{t}}{col} AS VARCHAR), ',')" for col in ("risk_id", "number"))


def build_limit_table(engine, period_key: int) -> int:
    """(Re)create the table from the stored state of ``period_key``; returns its rows."""
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {LIMIT_TABLE}"))
        collate = ' COLLATE "C"' if engine.dialect.name == "postgresql" else ""
        conn.execute(text(
            f"CREATE TABLE {LIMIT_TABLE} (risk_id INTEGER PRIMARY KEY, number INTEGER NOT NULL,"
            f" unit_path VARCHAR(400){collate} NOT NULL, likelihood INTEGER NOT NULL,"
            " consequence INTEGER NOT NULL)"))
        conn.execute(text(
            f"INSERT INTO {LIMIT_TABLE} SELECT risk_id, number, unit_path, likelihood,"
            " consequence FROM risk_state WHERE period IN (:p, 0) AND since <= :p"
            " AND (until IS NULL OR until > :p)"), {"p": period_key})
        conn.execute(text(
            f"CREATE INDEX ix_{LIMIT_TABLE} ON {LIMIT_TABLE} (unit_path, likelihood,"
            " consequence, risk_id, number)"))
        rows = conn.execute(text(f"SELECT count(*) FROM {LIMIT_TABLE}")).scalar_one()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(("VACUUM ANALYZE " if engine.dialect.name == "postgresql"
                           else "ANALYZE ") + LIMIT_TABLE))
    return rows


def limit_aggregate(dialect: str, lo: str, hi: str) -> tuple[str, dict]:
    """The matrix aggregate over the limit table for the subtree [lo, hi)."""
    return (f"SELECT likelihood, consequence, count(*), {agg(dialect).format(t='')}"
            f" FROM {LIMIT_TABLE} WHERE unit_path >= :lo AND unit_path < :hi"
            " GROUP BY likelihood, consequence", {"lo": lo, "hi": hi})
