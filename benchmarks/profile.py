"""Profile one page of a generated database through the real app (issue 14, item 3).

    python -m benchmarks.generate --size municipality --db sqlite:////tmp/m.sqlite3
    python -m benchmarks.profile --db sqlite:////tmp/m.sqlite3 --what page -n 30
    python -m benchmarks.profile --db URL --what register --statements   # the SQL it runs

Signs in as the organisation's board reviewer (like benchmarks.run), runs the request once
to warm up, then N times under pyinstrument (wall clock) and prints the profile's top
lines; ``--statements`` prints the statements of one request instead. Not a test.
"""

from __future__ import annotations

import argparse

from riskreg import create_app
from riskreg.config import TestConfig
from riskreg.extensions import db

from .generate import PASSWORD
from .run import FINDINGS_PERIOD, PERIOD, URLS, captured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="URL of a generated database")
    parser.add_argument("--what", choices=list(URLS), default="page")
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--statements", action="store_true")
    parser.add_argument("--lines", type=int, default=60, help="lines of the profile shown")
    parser.add_argument("--flat", action="store_true", help="time per function (self)")
    args = parser.parse_args()
    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": args.db, "WTF_CSRF_ENABLED": False,
                      "RISKREG_TODAY": "2026-11-25", "SQLALCHEMY_ENGINE_OPTIONS": {},
                      "REQUEST_LOG": False})
    path = URLS[args.what].format(root=1, period=PERIOD, findings_period=FINDINGS_PERIOD)
    with app.app_context():
        client = app.test_client()
        r = client.post("/login", data={"email": "board0@bench.example", "password": PASSWORD})
        assert r.status_code == 302, r.status_code
        assert client.get(path).status_code == 200
        if args.statements:
            with captured(db.engine) as statements:
                client.get(path)
            for statement, params in statements:
                print(statement, params, "\n")
            print(len(statements), "statements")
            return
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(args.n):
                client.get(path)
        text = profiler.output_text(unicode=True, color=False, flat=args.flat)
        print("\n".join(text.splitlines()[:args.lines]))


if __name__ == "__main__":
    main()
