"""Spreadsheet benchmark (issue 12): the export against bare XlsxWriter, the import
against bare openpyxl, at the region size (20,000 risks) of benchmarks/generate.py.

* **export** – the app's own export of the whole organisation's register (every page, as
  the background job writes it: ``workbooks.write_risks``: the register's statement
  streamed with ``yield_per``, a row object per risk, the layout's columns, XlsxWriter in
  ``constant_memory``), against **bare** XlsxWriter in ``constant_memory`` writing the same
  cell values (already in memory) with ``write_row``. Goal: ≥ 50 % of bare's throughput.
* **peak memory** – tracemalloc's peak while exporting (Python allocations; XlsxWriter's
  rows go to temporary files), against the size of the rows held as a list (what an export
  that loaded everything first would hold at least).
* **import** – the app's import of the success-factor layout's export (the file checked
  from its zip directory, read with openpyxl read-only, every cell parsed by its column's
  rule, every row compared with the stored risk: ``importing.check_file`` +
  ``importing.make_plan``), against **bare** openpyxl read-only iterating the same file's
  values. Goal: ≥ 30 % of bare's throughput.

Ratios within one run; medians of ``--repeat`` runs.

    python -m benchmarks.xlsx                      # region on SQLite (a temporary file)
    python -m benchmarks.xlsx --db postgresql+psycopg://postgres@127.0.0.1/riskreg_bench_x
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import xlsxwriter
from openpyxl import load_workbook
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from riskreg import create_app
from riskreg.config import TestConfig
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import Plan, Unit, User
from riskreg.reports import importing, sources, workbooks
from riskreg.reports.layouts import LAYOUTS
from riskreg.risks.queries import RegisterFilter, UnitOption

from .generate import SIZES, generate

PERIOD = Period.parse("2026-T3")


def timed(fn, repeat: int) -> tuple[float, object]:
    fn()  # warm-up
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def bare_export(path: str, header: list[str], rows: list[list]) -> None:
    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, header)
    for i, row in enumerate(rows, start=1):
        ws.write_row(i, 0, row)
    wb.close()


def bare_import(data: bytes) -> int:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    n = 0
    for _row in wb.worksheets[0].iter_rows(values_only=True):
        n += 1
    wb.close()
    return n


def run(url: str, repeat: int, size: str) -> dict:
    counts = generate(url, SIZES[size])
    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {},
                      "RISKREG_TODAY": "2026-11-25", "REQUEST_LOG": False})
    out: dict = {"db": make_url(url).get_backend_name(), "risks": counts.get("risks")}
    tmp = Path(tempfile.mkdtemp(prefix="riskreg-xlsx-bench-"))
    with app.test_request_context():
        def who() -> User:  # loaded afresh after each run empties the session
            return db.session.scalar(select(User).where(
                User.email == "coordinator0@bench.example"))

        root = db.session.get(Unit, 1)
        option = UnitOption(root.id, root.name, root.depth, root.path)
        f = RegisterFilter(period=PERIOD, unit=option, include_subunits=True)
        layout = LAYOUTS["register"]

        # -- export ------------------------------------------------------------------------
        def app_export() -> int:
            n = workbooks.write_risks(str(tmp / "app.xlsx"), who(), f, "register",
                                      "Region 0", tmpdir=str(tmp))
            db.session.expunge_all()
            return n

        out["export_s"], out["export_rows"] = timed(app_export, repeat)
        rows = [[col.value(r) for col in layout.columns]
                for r in sources.risk_rows(who(), f)]
        db.session.expunge_all()
        out["bare_export_s"], _ = timed(
            lambda rows=rows: bare_export(str(tmp / "bare.xlsx"), layout.headers, rows), repeat)
        out["export_ratio"] = out["bare_export_s"] / out["export_s"]
        out["export_file_mb"] = (tmp / "app.xlsx").stat().st_size / 2**20

        tracemalloc.start()
        app_export()
        out["export_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        tracemalloc.start()
        held = [[col.value(r) for col in layout.columns]
                for r in sources.risk_rows(who(), f)]
        out["rows_held_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
        tracemalloc.stop()
        del held
        db.session.expunge_all()

        # -- import ------------------------------------------------------------------------
        sf_path = tmp / "sf.xlsx"
        sf_filter = RegisterFilter(period=PERIOD, unit=option, include_subunits=True)
        out["import_rows"] = workbooks.write_risks(str(sf_path), who(), sf_filter,
                                                   "success_factor", "Region 0")
        db.session.expunge_all()
        data = sf_path.read_bytes()

        def app_import():
            plan = db.session.get(Plan, 1)  # the organisation's plan, on its board
            unit = db.session.get(Unit, plan.unit_id)
            target = importing.Target(unit, plan, PERIOD, None)
            importing.check_file(data, "sf.xlsx")
            result = importing.make_plan(who(), target, "success_factor", data)
            db.session.expunge_all()
            return result

        out["import_s"], result = timed(app_import, repeat)
        out["import_unchanged"] = result.count("unchanged")
        out["import_other"] = len(result.rows) - result.count("unchanged")
        out["bare_import_s"], _ = timed(lambda: bare_import(data), repeat)
        out["import_ratio"] = out["bare_import_s"] / out["import_s"]
        db.session.remove()
        db.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="SQLAlchemy URL of an empty database "
                                     "(default: a temporary SQLite file)")
    parser.add_argument("--size", default="region", choices=["municipality", "region"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='riskreg-bench-')}/region.sqlite3"
    if url.startswith("postgresql"):
        admin = make_url(url).set(database="postgres")
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        name = make_url(url).database
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    r = run(url, args.repeat, args.size)
    print(f"database {r['db']}, {r['risks']} risks")
    print(f"export: {r['export_rows']} rows, app {r['export_s']:.2f} s "
          f"({r['export_rows'] / r['export_s']:,.0f} rows/s), bare xlsxwriter "
          f"{r['bare_export_s']:.2f} s ({r['export_rows'] / r['bare_export_s']:,.0f} rows/s): "
          f"{r['export_ratio']:.0%} of bare; file {r['export_file_mb']:.1f} MB")
    print(f"export peak memory (tracemalloc): {r['export_peak_mb']:.1f} MB; "
          f"the same rows held as a list: {r['rows_held_mb']:.1f} MB")
    print(f"import: {r['import_rows']} rows, app {r['import_s']:.2f} s "
          f"({r['import_rows'] / r['import_s']:,.0f} rows/s; {r['import_unchanged']} "
          f"unchanged, {r['import_other']} other), bare openpyxl read-only "
          f"{r['bare_import_s']:.2f} s ({r['import_rows'] / r['bare_import_s']:,.0f} rows/s): "
          f"{r['import_ratio']:.0%} of bare")
    if url.startswith("postgresql"):
        with create_engine(make_url(url).set(database="postgres"),
                           isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" '
                              "WITH (FORCE)"))


if __name__ == "__main__":
    main()
