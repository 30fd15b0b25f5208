"""``flask send-reminders [--days N] [--dry-run]``, meant for cron (README: Reminders)."""

from __future__ import annotations

import click
from flask import Flask, current_app

from .mail import MailConfigError, SmtpSettings
from .services import DEFAULT_DAYS, ReminderRunError, RunReport, send_reminders

DRY_RUN_BASE_URL = "http://riskreg.invalid/"


def _print(report: RunReport) -> None:
    for r in report.reminders:
        line = (f"{r.status}\t{r.person.email}\t{len(r.items)} item(s), "
                f"{r.overdue(report.day)} overdue")
        click.echo(line + (f"\t{r.error}" if r.error else ""))
        if report.dry_run:
            for item in r.items:
                click.echo(f"\t{item.due.isoformat()}\t{item.kind}\t{item.action}\t{item.url}")
    if report.unfinished:
        click.echo(f"{report.unfinished} reminder(s) of today were claimed by a run that did "
                   "not finish: they count as sent today (at most one mail a day).")
    counts = {s: len(report.having(s)) for s in ("sent", "failed", "skipped", "dry-run")}
    click.echo(f"{report.day.isoformat()}, due within {report.days} days: "
               + ", ".join(f"{n} {s}" for s, n in counts.items() if n or s == "sent"))


def init_reminders_cli(app: Flask) -> None:
    @app.cli.command("send-reminders")
    @click.option("--days", type=click.IntRange(0, 366), default=DEFAULT_DAYS,
                  show_default=True, help="Remind of what falls due within this many days "
                                          "(and of everything overdue).")
    @click.option("--dry-run", is_flag=True,
                  help="List who would get which reminder; send and record nothing.")
    def send_reminders_command(days: int, dry_run: bool) -> None:
        """Mail each person what is theirs to do (at most once a day). For cron, e.g.
        `0 6 * * 1-5 flask send-reminders --days 7`. Exits 1 when a mail failed."""
        settings = None
        base_url = current_app.config.get("RISKREG_BASE_URL") or DRY_RUN_BASE_URL
        if not dry_run:
            try:
                settings = SmtpSettings.from_config(current_app.config)
            except MailConfigError as exc:
                raise click.ClickException(str(exc)) from exc
            base_url = settings.base_url
        with current_app.test_request_context("/", base_url=base_url):
            try:
                report = send_reminders(days, dry_run=dry_run, settings=settings)
            except ReminderRunError as exc:
                raise click.ClickException(str(exc)) from exc
        _print(report)
        if report.having("failed"):
            raise click.ClickException(
                f"{len(report.having('failed'))} reminder(s) could not be sent; they are not "
                "recorded as sent and the next run tries again.")
