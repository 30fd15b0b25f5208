"""flask export-xlsx / import-xlsx: the same exports and imports as the pages, for a named
user (their scope and permission rules apply as on the pages), from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from ..domain.periods import Period, PeriodError
from ..extensions import db
from ..models.org import Unit
from ..models.plan import Plan
from ..models.users import User
from ..risks.queries import RegisterFilter, UnitOption
from ..risks.services import plans_for_unit
from ..services import ServiceError
from ..uow import transaction
from . import importing, workbooks
from .layouts import IMPORT_LAYOUTS
from .permissions import can_import, can_import_into

EXPORTS = ("register", "success_factor", "unit", "measures", "kpis", "matrix")


def _user(email: str) -> User:
    found = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if found is None or not found.active:
        raise click.ClickException(f"No active user {email!r}.")
    return found


def _unit(code: str) -> Unit:
    found = db.session.scalar(select(Unit).where(Unit.code == code.upper()))
    if found is None:
        raise click.ClickException(f"No unit has the code {code!r}. See `flask list-units`.")
    return found


def _period(raw: str) -> Period:
    try:
        return Period.parse(raw)
    except PeriodError as exc:
        raise click.ClickException(f"Not a period (YYYY-Tn): {raw!r}.") from exc


def init_xlsx_cli(app: Flask) -> None:
    @app.cli.command("export-xlsx")
    @click.option("--user", "email", required=True, help="Export what this user can read.")
    @click.option("--layout", type=click.Choice(EXPORTS), default="register")
    @click.option("--unit", "unit_code", required=True, help="The unit's code (with its "
                                                             "subtree).")
    @click.option("--period", required=True, help="YYYY-Tn")
    @click.argument("out", type=click.Path(dir_okay=False, writable=True))
    def export_xlsx(email: str, layout: str, unit_code: str, period: str, out: str) -> None:
        """Write a workbook in one of the layouts (as the pages' Excel links do)."""
        with current_app.test_request_context():
            user, unit, when = _user(email), _unit(unit_code), _period(period)
            from ..auth.permissions import can_read_unit

            if not can_read_unit(user, unit):
                raise click.ClickException(f"{email} cannot read {unit.code}.")
            if layout in workbooks.RISK_LAYOUT_KINDS:
                option = UnitOption(unit.id, unit.name, unit.depth, unit.path)
                n = workbooks.write_risks(out, user, RegisterFilter(period=when, unit=option),
                                          layout, workbooks.organisation_name(unit))
            elif layout == "measures":
                n = workbooks.write_measures(out, user, unit, when)
            elif layout == "kpis":
                n = workbooks.write_kpis(out, user, unit, when)
            else:
                n = workbooks.write_matrix(out, user, unit, when, True)
        click.echo(f"Wrote {out}: {n} {'risks in the matrix' if layout == 'matrix' else 'rows'}.")

    @app.cli.command("import-xlsx")
    @click.option("--user", "email", required=True, help="A coordinator of the unit.")
    @click.option("--layout", type=click.Choice(IMPORT_LAYOUTS), required=True)
    @click.option("--unit", "unit_code", required=True)
    @click.option("--plan", "plan_id", type=int, default=None,
                  help="The plan's id (default: the unit's or the nearest above it).")
    @click.option("--period", required=True, help="The period of the values (YYYY-Tn).")
    @click.option("--owner", "owner_email", default=None, help="Risk owner of new risks.")
    @click.option("--confirm", is_flag=True, help="Save (without it: the preview only).")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    def import_xlsx(email: str, layout: str, unit_code: str, plan_id: int | None, period: str,
                    owner_email: str | None, confirm: bool, file: str) -> None:
        """Preview (and with --confirm save, all or nothing) an import, as the page does."""
        with current_app.test_request_context():
            user, unit, when = _user(email), _unit(unit_code), _period(period)
            if not can_import(user) or not can_import_into(user, unit, layout):
                raise click.ClickException(f"{email} may not import into {unit.code}.")
            plans = plans_for_unit(unit)
            plan = next((p for p in plans if plan_id in (None, p.id)), None)
            if plan is None:
                raise click.ClickException("No plan of this unit or above it has that id.")
            owner = _user(owner_email).id if owner_email else None
            target = importing.Target(unit, db.session.get(Plan, plan.id), when, owner)
            data = Path(file).read_bytes()
            try:
                importing.check_file(data, file)
                plan_ = importing.make_plan(user, target, layout, data)
            except importing.ImportRefused as exc:
                raise click.ClickException(exc.message) from exc
            for row in plan_.rows:
                if row.status == "unchanged":
                    continue
                what = "; ".join(row.errors) or "; ".join(
                    f"{h}: {o if o is not None else '–'} → {n if n is not None else '–'}"
                    for h, o, n in row.changes)
                click.echo(f"row {row.line} nr {row.number or '-'} {row.status}: {what}")
            click.echo(f"new {plan_.count('new')}, changed {plan_.count('changed')}, "
                       f"unchanged {plan_.count('unchanged')}, errors {plan_.count('error')}")
            if not plan_.ok:
                raise click.ClickException("Rows with errors: nothing was saved.")
            if confirm:
                try:
                    with transaction():
                        importing.apply(user, target, plan_, Path(file).name)
                except ServiceError as exc:
                    raise click.ClickException(exc.message) from exc
                click.echo("Saved.")
            else:
                click.echo("Preview only: add --confirm to save.")
