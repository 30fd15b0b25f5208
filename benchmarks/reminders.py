"""Reminder benchmark: what falls due for everyone (the cron run's plan) and for one
person (the start page's to-do panel), at region size, through the app's own code,
against the bare SQL the providers run; and the cost of composing one mail.

The generated region has one owner per organisation; here its risks and measures are
spread over OWNERS owners (risk i and measure i to owner i mod OWNERS), as a region's
register would be. "Today" is 2027-01-05: 2026-T3's re-assessments and status reports
fall due on 2027-01-14, within the 14 days, and measures' own due dates are spread over
2024-2027 (many overdue).

Prints medians in milliseconds, the ratio app/SQL (what Python adds: building the items,
their links and actions), the statements per computation, and the counts; and the start
page of one owner (with the to-do panel) against the floor (/healthz), and the panel's
share of that page.

    python -m benchmarks.reminders                               # region, SQLite
    python -m benchmarks.reminders --sizes municipality region \
        --postgres postgresql+psycopg://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import make_url

from riskreg import create_app
from riskreg.auth.passwords import hash_password
from riskreg.config import TestConfig
from riskreg.extensions import db
from riskreg.models import Measure, Risk, RoleAssignment, User
from riskreg.reminders import DueQuery, due_items
from riskreg.reminders.mail import SmtpSettings, compose
from riskreg.reminders.services import plan

from .generate import PASSWORD, SIZES, generate
from .run import captured, drop_postgres, median_ms, reads_of, replayer, scratch_postgres

TODAY = "2027-01-05"
DAYS = 14
OWNERS = 400


def spread_owners(engine) -> None:
    """OWNERS owners on the organisation's root, each owning every OWNERS-th risk and
    measure; then the planner's statistics anew."""
    with engine.begin() as conn:
        top = conn.execute(select(func.max(User.id))).scalar_one()
        root = conn.execute(text("SELECT id FROM unit WHERE parent_id IS NULL ORDER BY id")
                            ).scalar_one()
        token, pw = "x" * 10, hash_password(PASSWORD)
        conn.execute(insert(User), [
            dict(id=top + k + 1, email=f"spread{k}@bench.example", name=f"Ägare {k}",
                 password_hash=pw, active=True, session_token=f"{token}{k}")
            for k in range(OWNERS)])
        conn.execute(insert(RoleAssignment), [
            dict(user_id=top + k + 1, role="owner", unit_id=root) for k in range(OWNERS)])
        conn.execute(update(Risk).values(owner_id=top + 1 + Risk.id % OWNERS))
        conn.execute(update(Measure).values(responsible_id=top + 1 + Measure.id % OWNERS))
    # fresh statistics: generate()'s say every risk has one owner (no index would pay)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql"
                          else "ANALYZE"))


def bench(url: str, size_name: str, repeat: int) -> dict:
    counts = generate(url, SIZES[size_name])
    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": url, "RISKREG_TODAY": TODAY,
                      "SQLALCHEMY_ENGINE_OPTIONS": {}, "REQUEST_LOG": False,
                      "WTF_CSRF_ENABLED": False})
    out: dict = {"size": size_name, "db": make_url(url).get_backend_name(),
                 "risks": counts["risks"], "measures": counts["measures"]}
    today = date.fromisoformat(TODAY)
    with app.app_context():
        engine = db.engine
        spread_owners(engine)
        one = db.session.scalar(select(User.id).where(User.email == "spread7@bench.example"))
        for name, query in (("everyone", DueQuery(today, DAYS)),
                            ("one person", DueQuery(today, DAYS, one))):
            with app.test_request_context():
                with captured(engine) as statements:
                    found = due_items(query)
                reads = reads_of(statements)
                replay = replayer(engine, reads)

                out[name] = {
                    "items": len(found), "people": len({i.person_id for i in found}),
                    "overdue": sum(1 for i in found if i.overdue(today)),
                    "statements": len(reads),
                    "ms": median_ms(lambda q=query: due_items(q), repeat),
                    "sql_ms": median_ms(replay, repeat)}
                db.session.remove()
        with app.test_request_context():
            with captured(engine) as statements:
                reminders = plan(today, DAYS)
            out["plan"] = {"people": len(reminders), "statements": len(
                [s for s in statements if s[0].lstrip().upper().startswith(("SELECT", "WITH"))]),
                           "ms": median_ms(lambda: plan(today, DAYS), repeat)}
            settings = SmtpSettings("localhost", 25, None, None, False,
                                    "Riskreg <riskreg@region.example>",
                                    "https://riskreg.region.example/")
            biggest = max(reminders, key=lambda r: len(r.items))
            out["compose"] = {"items": len(biggest.items), "ms": median_ms(
                lambda: compose(biggest.person, biggest.items, today, DAYS, settings), repeat)}
        client = app.test_client()
        r = client.post("/login", data={"email": "spread7@bench.example",
                                        "password": PASSWORD})
        assert r.status_code == 302, r.status_code

        def start_page():
            assert b'data-testid="todo"' in client.get("/").data
        out["start_ms"] = median_ms(start_page, repeat)
        out["floor_ms"] = median_ms(lambda: client.get("/healthz"), repeat)
        db.session.remove()
        engine.dispose()
    return out


def print_rows(rows: list[dict]) -> None:
    print("| size | db | risks | measures | what | people | items (overdue) | statements "
          "| median ms | SQL ms | x/SQL |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        for name in ("everyone", "one person"):
            x = r[name]
            print(f"| {r['size']} | {r['db']} | {r['risks']} | {r['measures']} | {name} "
                  f"| {x['people']} | {x['items']} ({x['overdue']}) | {x['statements']} "
                  f"| {x['ms']:.1f} | {x['sql_ms']:.1f} | {x['ms'] / x['sql_ms']:.2f} |")
        p, c = r["plan"], r["compose"]
        print(f"| {r['size']} | {r['db']} | | | plan (+ people) | {p['people']} | "
              f"| {p['statements']} | {p['ms']:.1f} | | |")
        print(f"| {r['size']} | {r['db']} | | | compose one mail | 1 | {c['items']} | 0 "
              f"| {c['ms']:.2f} | | |")
        print(f"| {r['size']} | {r['db']} | | | start page, one owner (floor /healthz "
              f"{r['floor_ms']:.2f} ms) | 1 | {r['one person']['items']} | | "
              f"{r['start_ms']:.1f} | | x/floor {r['start_ms'] / r['floor_ms']:.1f}, "
              f"panel/page {r['one person']['ms'] / r['start_ms']:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["region"],
                        choices=[s for s in SIZES if s != "hosted"])
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (optional)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db-prefix", default="riskreg_bench_remind")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            if not args.no_sqlite:
                rows.append(bench(f"sqlite:///{Path(tmp) / size}.sqlite3", size, args.repeat))
                print_rows(rows[-1:])
                print(flush=True)
            if args.postgres:
                name = f"{args.db_prefix}_{size}"
                url = scratch_postgres(args.postgres, name)
                try:
                    rows.append(bench(url, size, args.repeat))
                finally:
                    drop_postgres(args.postgres, name)
                print_rows(rows[-1:])
                print(flush=True)
    print_rows(rows)


if __name__ == "__main__":
    main()
