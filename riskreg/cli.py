"""Command-line tools: flask seed-demo, create-user, list-units, check-state."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from sqlalchemy import select

from .admin import services as admin_services
from .extensions import db
from .models.org import Unit
from .services import ServiceError
from .uow import transaction


def _read_password() -> str:
    """Prompted twice, hidden, on a terminal; one line from standard input otherwise."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def init_cli(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice(["admin", "coordinator", "owner", "board"]),
                  required=True)
    @click.option("--unit", "unit_code", required=True, help="The unit's code (flask list-units).")
    @click.option("--name", default=None, help="Display name (default: the e-mail address).")
    def create_user(email: str, role: str, unit_code: str, name: str | None) -> None:
        """Create a user with a role on a unit. The password is never an argument."""
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code.upper()))
        if unit is None:
            raise click.ClickException(f"No unit has the code {unit_code!r}. "
                                       "See `flask list-units`.")
        password = _read_password()
        try:
            with transaction():
                user = admin_services.create_user(None, email, name or email, password, role,
                                                  unit)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"Created {user.email} as {role} on {unit.code} ({unit.name}).")

    @app.cli.command("list-units")
    def list_units() -> None:
        """Every unit's code, name and parent."""
        units = db.session.scalars(select(Unit).order_by(Unit.path)).all()
        by_id = {u.id: u for u in units}
        for u in units:
            parent = by_id[u.parent_id].code if u.parent_id else "-"
            click.echo(f"{u.code}\t{'  ' * u.depth}{u.name}\t{parent}")

    @app.cli.command("create-org")
    @click.argument("code")
    @click.argument("name")
    def create_org(code: str, name: str) -> None:
        """Create a new organisation (a root unit of kind region) with the default scale."""
        try:
            with transaction():
                unit = admin_services.add_unit(None, None, code, name, "region")
        except ServiceError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"Created {unit.code} ({unit.name}).")

    @app.cli.command("seed-demo")
    @click.option("--allow-production", is_flag=True,
                  help="Load demo users even though RISKREG_ENV is production.")
    def seed_demo(allow_production: bool) -> None:
        """Load the demo organisations, plans, risks and users (idempotent)."""
        from .seed import DEMO_PASSWORD
        from .seed import seed_demo as run

        if current_app.config["ENV_NAME"] == "production" and not allow_production:
            raise click.ClickException(
                "Refusing to create demo users in production. Set RISKREG_ENV=development "
                "or pass --allow-production.")
        report = run()
        created = ", ".join(f"{k}: {v}" for k, v in sorted(report.created.items())) or "nothing"
        click.echo(f"Demo data loaded (created {created}).")
        click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, roles, note in report.logins:
            click.echo(f"  {email:<36} {roles}{'  ' + note if note else ''}")

    @app.cli.command("prune-sessions")
    @click.option("--keep-days", type=click.IntRange(min=0), default=90, show_default=True,
                  help="Keep ended sign-in records this many days (for the audit trail).")
    def prune_sessions(keep_days: int) -> None:
        """Delete old ended sign-in records (user_session); meant for a daily cron."""
        from .auth import sessions

        with transaction():
            rows = sessions.prune(keep_days)
        click.echo(f"Deleted {rows} ended sign-in record(s) older than {keep_days} days.")

    @app.cli.command("check-state")
    @click.option("--repair", is_flag=True,
                  help="Rewrite every risk's stored state from its assessments afterwards.")
    def check_state(repair: bool) -> None:
        """Recompute each risk's stored state per period (risk_state) from its assessments
        and report every difference; exit status 1 when there is one."""
        from .risks import state

        found = state.differences()
        for d in found[:100]:
            click.echo(f"risk {d.risk_id}: missing {list(d.missing)} extra {list(d.extra)}")
        if repair and found:
            with transaction():
                rows = state.rebuild()
            click.echo(f"Rewrote risk_state: {rows} rows.")
        if found:
            click.echo(f"{len(found)} risk(s) differ from their assessments.", err=True)
            sys.exit(1)
        click.echo("risk_state matches the assessments.")
