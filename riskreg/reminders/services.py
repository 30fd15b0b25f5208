"""The reminder run (``flask send-reminders``): who gets a mail today, the claim, the
sending, the record and the audit.

The order of a run, and why (the choice the issue asks to document):

1. **Plan** — every provider's items due within N days or overdue, grouped per person
   (one or two statements per provider and one for the people, whatever their number).
   People who already have a row for today in ``reminder_sent`` are left out.
2. **Claim** — one transaction inserts a ``reminder_sent`` row (status ``sending``) for
   each person to mail, and commits *before* any mail goes out. The unique (user, day)
   constraint makes the claim the decision: a second run the same day finds the rows and
   sends nothing; a run beside this one fails on the constraint and sends nothing.
3. **Send** — one SMTP connection, one message per person.
4. **Record** — one transaction marks the sent rows ``sent`` (with the time), deletes the
   rows of the mails that failed (so that the next run tries them again: a failure does
   not count as sent), and writes one audit event for the run.

Sending inside the claim's transaction and committing afterwards was the alternative: a
commit that fails after the SMTP server took the mails would leave no trace, and the next
run would send them all again. Claiming first turns that risk around, to the safe side
for "at most one mail per person and day": if the run stops between steps 2 and 4
(a crash, the database gone), the rows stay ``sending``, nobody of them gets a second
mail that day, and the next run reports them as unfinished; their items are still due
and tomorrow's run mails them. A reminder may thus be lost for a day, never doubled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .. import audit, clock
from ..extensions import db
from ..models.reminders import ReminderSent
from ..models.types import utcnow
from ..models.users import User
from ..uow import transaction
from . import DueItem, DueQuery, by_person, due_items
from .mail import Mailer, SmtpSettings, compose, describe

DEFAULT_DAYS = 7


class ReminderRunError(RuntimeError):
    """The run could not go on (another run holds today's claims)."""


@dataclass(frozen=True)
class Recipient:
    """Plain values (a committed claim expires ORM objects; reloading them per person
    would cost a statement each)."""

    id: int
    email: str
    name: str
    language: str | None


@dataclass
class Reminder:
    person: Recipient
    items: list[DueItem]
    status: str = "planned"  # planned | skipped (already today) | sent | failed | dry-run
    error: str | None = None

    def overdue(self, today: date) -> int:
        return sum(1 for i in self.items if i.overdue(today))


@dataclass
class RunReport:
    day: date
    days: int
    dry_run: bool
    reminders: list[Reminder] = field(default_factory=list)
    unfinished: int = 0  # rows left 'sending' today by a run that stopped

    def having(self, status: str) -> list[Reminder]:
        return [r for r in self.reminders if r.status == status]


def plan(today: date, days: int) -> list[Reminder]:
    """Everyone with items due within ``days`` or overdue, with their items, by e-mail."""
    items = by_person(due_items(DueQuery(today, days)))
    if not items:
        return []
    people = db.session.execute(
        select(User.id, User.email, User.name, User.language)
        .where(User.id.in_(list(items)), User.active.is_(True)).order_by(User.email))
    return [Reminder(Recipient(*p), items[p.id]) for p in people]


def _already(today: date) -> dict[int, str]:
    return dict(db.session.execute(select(ReminderSent.user_id, ReminderSent.status)
                                   .where(ReminderSent.day == today)).all())


def _claim(today: date, reminders: list[Reminder]) -> None:
    try:
        with transaction():
            db.session.execute(insert(ReminderSent), [
                {"user_id": r.person.id, "day": today, "items": len(r.items),
                 "overdue": r.overdue(today), "status": "sending"} for r in reminders])
    except IntegrityError as exc:
        raise ReminderRunError(
            "Another send-reminders run claimed some of today's reminders first; this run "
            "sent nothing.") from exc


def _record(report: RunReport, attempted: list[Reminder]) -> None:
    sent = [r.person.id for r in attempted if r.status == "sent"]
    failed = [r for r in attempted if r.status == "failed"]
    with transaction():
        if sent:
            db.session.execute(update(ReminderSent)
                               .where(ReminderSent.day == report.day,
                                      ReminderSent.user_id.in_(sent))
                               .values(status="sent", sent_at=utcnow()))
        if failed:
            db.session.execute(delete(ReminderSent)
                               .where(ReminderSent.day == report.day,
                                      ReminderSent.user_id.in_([r.person.id for r in failed])))
        audit.record(None, "reminders", None, "send", new={
            "day": report.day, "days": report.days, "sent": sent,
            "items": sum(len(r.items) for r in attempted if r.status == "sent"),
            "failed": [{"user_id": r.person.id, "error": r.error} for r in failed],
            "skipped": len(report.having("skipped"))})


def send_reminders(days: int = DEFAULT_DAYS, *, dry_run: bool = False,
                   settings: SmtpSettings | None = None) -> RunReport:
    """Mail everyone whose items fall due within ``days`` or are overdue, at most once a
    day (see the module docstring). A dry run plans and writes nothing, sends nothing.
    Call it in a request context whose base URL is RISKREG_BASE_URL (cli.py), so that
    the providers' links are the app's own."""
    today = clock.today()
    report = RunReport(today, days, dry_run, plan(today, days))
    already = _already(today)
    report.unfinished = sum(1 for s in already.values() if s == "sending")
    for r in report.reminders:
        if r.person.id in already:
            r.status = "skipped"
        elif dry_run:
            r.status = "dry-run"
    if dry_run:
        return report
    todo = report.having("planned")
    if not todo:
        return report
    if settings is None:
        raise ValueError("settings are needed to send")
    _claim(today, todo)
    with Mailer(settings) as mailer:
        for r in todo:
            try:
                mailer.send(compose(r.person, r.items, today, days, settings))
                r.status = "sent"
            except (OSError, ValueError, UnicodeError) as exc:  # smtplib's errors are OSErrors
                r.status, r.error = "failed", describe(exc)
    _record(report, todo)
    return report
