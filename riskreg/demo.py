"""``python -m riskreg.demo``: the app on SQLite with the demo data, for trying it out.

Builds (or upgrades) the database in ``instance/``, loads the demo data, adds invented
assessments up to today's tertial (marked as demo data, signed by the demo account: see
riskreg/risks/demo_history.py), prints the demo logins with their role, unit and what to
try first, and serves on http://127.0.0.1:5000 (``--port`` to change). ``RISKREG_TODAY``
fixes "today" (e.g. for repeatable screenshots).
"""

from __future__ import annotations

import argparse
import os


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--no-serve", action="store_true", help="prepare the database only")
    args = parser.parse_args()

    os.environ.setdefault("RISKREG_ENV", "development")
    from flask_migrate import upgrade

    from . import clock, create_app
    from .config import INSTANCE_DIR
    from .risks.demo_history import extend_history
    from .seed import DEMO_PASSWORD, seed_demo
    from .uow import transaction

    INSTANCE_DIR.mkdir(exist_ok=True)
    app = create_app()
    with app.app_context():
        upgrade()
        report = seed_demo()
        today = clock.current_period()
        with transaction():
            history = extend_history(today)
    print("\nRiskreg demo —", app.config["SQLALCHEMY_DATABASE_URI"])
    print(f"Today's tertial: {today} ({today.report_name}); invented demo assessments added: "
          f"{history.assessments}, left for the owners to re-assess: {history.left_open}.")
    print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, roles, note in report.logins:
        print(f"  {email:<36} {roles}")
        if note:
            print(f"  {'':<36} → {note}")
    if args.no_serve:
        return
    print(f"\nOpen http://{args.host}:{args.port}/ and sign in.\n")
    app.run(host=args.host, port=args.port, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
