"""flask send-reminders against a real SMTP server (aiosmtpd, started here): the mails
arrive, in Swedish, at most one per person and day; a dry run sends and records nothing;
an SMTP failure is reported and not recorded as sent; the claim comes before the sending.

Demo data on 2022-09-10 (2022-T2's re-assessments and status reports are due 2022-09-14):
the Norrbotten risk owner has the 11 risks not re-assessed in 2022-T2, the owner on
Länssjukvård 1 the status reports of the division's 18 measures, and Norrbotten's
coordinator, responsible for the five controls of Regionstyrelsen's 2022 plan, their
2022-T2 runs (due by the same date; riskreg/controls/reminders.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from riskreg.extensions import db
from riskreg.models import AuditEvent, ReminderSent, Risk, User
from riskreg.reminders import services
from riskreg.uow import transaction
from tests.conftest import user
from tests.helpers.controls import COORDINATOR
from tests.helpers.mailserver import MailServer, free_port
from tests.helpers.measures import make_measure
from tests.helpers.risks import LS1_OWNER, NLL_OWNER, NLL_REASSESSED_T2

TODAY = "2022-09-10"
BASE_URL = "https://riskreg.region.example/app"
SENDER = "Riskreg <riskreg@region.example>"


@pytest.fixture
def smtp(app, monkeypatch) -> Iterator[MailServer]:
    """A running SMTP server, and the app configured to send through it."""
    server = MailServer().start()
    for name, value in {"RISKREG_SMTP_HOST": "127.0.0.1", "RISKREG_SMTP_PORT": server.port,
                        "RISKREG_SMTP_STARTTLS": False, "RISKREG_SMTP_USER": None,
                        "RISKREG_SMTP_PASSWORD": None, "RISKREG_MAIL_FROM": SENDER,
                        "RISKREG_BASE_URL": BASE_URL}.items():
        monkeypatch.setitem(app.config, name, value)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def runner(app, set_today):
    set_today(TODAY)
    return app.test_cli_runner()


def send(runner, *args):
    return runner.invoke(args=["send-reminders", *args])


def rows(day: str = TODAY) -> dict[str, str]:
    """Today's reminder_sent rows: e-mail -> status."""
    db.session.expire_all()
    return dict(db.session.execute(
        select(User.email, ReminderSent.status).join(User, User.id == ReminderSent.user_id)
        .where(ReminderSent.day == date.fromisoformat(day))).all())


def run_events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "reminders").order_by(AuditEvent.id)))


def test_each_person_gets_one_mail_in_swedish_with_their_items(runner, smtp):
    result = send(runner, "--days", "7")
    assert result.exit_code == 0, result.output
    assert sorted(r.recipients[0] for r in smtp.received) == sorted([NLL_OWNER, LS1_OWNER,
                                                                      COORDINATOR])
    owner_mail = smtp.to(NLL_OWNER)[0]
    message = owner_mail.message
    assert message["Subject"] == "Riskreg: 11 saker att göra"
    assert message["From"] == SENDER
    assert NLL_OWNER in message["To"] and user(NLL_OWNER).name in message["To"]
    assert message["Auto-Submitted"] == "auto-generated"
    text, html = owner_mail.part("plain"), owner_mail.part("html")
    assert text.startswith(f"Hej {user(NLL_OWNER).name},")
    assert text.count("* Bedöm risk ") == 11 and text.count(" på nytt för 2022-T2") == 11
    assert text.count("Senast 2022-09-14 · Om 4 dagar") == 11
    assert f"{BASE_URL}/risks/" in text and "/assess" in text
    assert "högst en påminnelse om dagen" in text
    assert '<html lang="sv">' in html and html.count(f'<a href="{BASE_URL}/risks/') == 11
    ls1 = smtp.to(LS1_OWNER)[0]
    assert ls1.message["Subject"] == "Riskreg: 18 saker att göra"
    assert ls1.part("plain").count("* Rapportera status för åtgärd ") == 18
    assert f"{BASE_URL}/measures/" in ls1.part("plain") and "period=2022-T2" in ls1.part(
        "plain")
    coordinator = smtp.to(COORDINATOR)[0]
    assert coordinator.message["Subject"] == "Riskreg: 5 saker att göra"
    assert coordinator.part("plain").count("* Utför kontroll ") == 5
    assert coordinator.part("plain").count(" för 2022-T2") == 5
    assert coordinator.part("plain").count("Senast 2022-09-14 · Om 4 dagar") == 5
    assert f"{BASE_URL}/controls/" in coordinator.part("plain")
    assert "/runs/new?unit=" in coordinator.part("plain")
    assert rows() == {NLL_OWNER: "sent", LS1_OWNER: "sent", COORDINATOR: "sent"}
    [event] = run_events()
    assert event.user_id is None and event.action == "send"
    assert sorted(event.new["sent"]) == sorted([user(NLL_OWNER).id, user(LS1_OWNER).id,
                                                user(COORDINATOR).id])
    assert event.new["items"] == 34 and event.new["failed"] == [] and event.new["day"] == TODAY
    assert "3 sent" in result.output


def test_a_second_run_the_same_day_sends_nothing(runner, smtp):
    assert send(runner).exit_code == 0
    assert len(smtp.received) == 3
    second = send(runner)
    assert second.exit_code == 0, second.output
    assert len(smtp.received) == 3
    assert "0 sent, 3 skipped" in second.output
    assert len(run_events()) == 1  # a run that sends nothing leaves no event


def test_the_next_day_they_are_reminded_again(runner, smtp, set_today):
    assert send(runner).exit_code == 0
    set_today("2022-09-11")
    assert send(runner).exit_code == 0
    assert len(smtp.received) == 6
    assert smtp.to(NLL_OWNER)[-1].part("plain").count("· Om 3 dagar") == 11
    assert rows("2022-09-11") == {NLL_OWNER: "sent", LS1_OWNER: "sent", COORDINATOR: "sent"}


def test_overdue_items_are_named_in_the_subject_and_text(runner, smtp, set_today):
    set_today("2022-09-20")
    assert send(runner).exit_code == 0
    mail = smtp.to(NLL_OWNER)[0]
    assert mail.message["Subject"] == "Riskreg: 11 saker att göra, 11 försenade"
    assert mail.part("plain").count("Senast 2022-09-14 · Försenad sedan 6 dagar") == 11
    assert "11 saker är försenade." in mail.part("plain")


def test_a_dry_run_sends_and_records_nothing(runner, smtp, monkeypatch, app):
    monkeypatch.setitem(app.config, "RISKREG_SMTP_HOST", None)  # not even needed
    result = send(runner, "--dry-run")
    assert result.exit_code == 0, result.output
    assert smtp.received == []
    assert rows() == {} and run_events() == []
    assert f"dry-run\t{NLL_OWNER}\t11 item(s), 0 overdue" in result.output
    assert result.output.count("\t2022-09-14\trisk\tBedöm risk ") == 11


def test_a_refused_recipient_is_reported_and_not_recorded_as_sent(runner, smtp):
    smtp.handler.refuse.add(LS1_OWNER)
    result = send(runner)
    assert result.exit_code == 1
    assert f"failed\t{LS1_OWNER}" in result.output and "550" in result.output
    assert "could not be sent" in result.output
    assert sorted(r.recipients[0] for r in smtp.received) == sorted([NLL_OWNER, COORDINATOR])
    assert rows() == {NLL_OWNER: "sent", COORDINATOR: "sent"}
    [event] = run_events()
    assert event.new["failed"][0]["user_id"] == user(LS1_OWNER).id
    assert "550" in event.new["failed"][0]["error"]
    # the next run (the server takes it now) sends the one that failed, and only that one
    smtp.handler.refuse.clear()
    again = send(runner)
    assert again.exit_code == 0, again.output
    assert len(smtp.received) == 3 and smtp.received[-1].recipients == [LS1_OWNER]
    assert rows() == {NLL_OWNER: "sent", LS1_OWNER: "sent", COORDINATOR: "sent"}


def test_an_smtp_server_that_does_not_answer_marks_nobody_as_sent(runner, smtp, app,
                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_SMTP_PORT", free_port())  # nobody listens
    result = send(runner)
    assert result.exit_code == 1
    assert result.output.count("failed\t") == 3 and "ConnectionRefusedError" in result.output
    assert rows() == {}
    [event] = run_events()
    assert event.new["sent"] == [] and len(event.new["failed"]) == 3


@pytest.mark.parametrize(("name", "value", "says"), [
    ("RISKREG_SMTP_HOST", None, "RISKREG_SMTP_HOST"),
    ("RISKREG_MAIL_FROM", None, "RISKREG_MAIL_FROM"),
    ("RISKREG_BASE_URL", "", "RISKREG_BASE_URL"),
    ("RISKREG_MAIL_FROM", "not an address", "not an e-mail address"),
    ("RISKREG_SMTP_PASSWORD", "secret", "unencrypted"),
])
def test_missing_or_unsafe_settings_stop_the_run_before_anything(runner, smtp, app,
                                                                  monkeypatch, name, value,
                                                                  says):
    monkeypatch.setitem(app.config, name, value)
    result = send(runner)
    assert result.exit_code == 1
    assert says in result.output
    assert smtp.received == [] and rows() == {} and run_events() == []


def test_a_claim_left_by_a_run_that_stopped_counts_as_sent(runner, smtp, monkeypatch):
    """The run stops after the claim and the sending, before the record: the mail went
    out, the row stays 'sending', and no second mail follows that day."""

    def stopped(*_args):
        raise KeyboardInterrupt

    record = services._record
    monkeypatch.setattr(services, "_record", stopped)
    result = send(runner)
    assert result.exit_code != 0
    assert len(smtp.received) == 3
    assert rows() == {NLL_OWNER: "sending", LS1_OWNER: "sending", COORDINATOR: "sending"}
    monkeypatch.setattr(services, "_record", record)
    again = send(runner)
    assert again.exit_code == 0, again.output
    assert len(smtp.received) == 3
    assert "3 reminder(s) of today were claimed by a run that did not finish" in again.output


def test_a_run_beside_another_sends_nothing(runner, smtp, monkeypatch):
    """Another run claimed between this run's plan and its claim: the unique (user, day)
    constraint refuses this run's claim, and it sends nothing."""
    real = services._already

    def raced(today):
        seen = real(today)
        with transaction():
            db.session.add(ReminderSent(user_id=user(NLL_OWNER).id, day=today, items=1,
                                        overdue=0, status="sending"))
        return seen

    monkeypatch.setattr(services, "_already", raced)
    result = send(runner)
    assert result.exit_code == 1
    assert "Another send-reminders run" in result.output
    assert smtp.received == []
    assert rows() == {NLL_OWNER: "sending"}


def test_a_person_who_chose_english_gets_english(runner, smtp):
    with transaction():
        user(NLL_OWNER).language = "en"
    assert send(runner).exit_code == 0
    mail = smtp.to(NLL_OWNER)[0]
    assert mail.message["Subject"] == "Riskreg: 11 things to do"
    assert mail.part("plain").startswith("Hello ")
    assert smtp.to(LS1_OWNER)[0].part("plain").startswith("Hej ")


def test_the_run_is_a_constant_number_of_statements(runner, smtp, statement_log,
                                                    make_user, set_today):
    """Reads, claim, record and audit: the same count for 3 people as for 8."""
    with statement_log() as few:
        assert send(runner).exit_code == 0
    awaiting = [r for r in risks_of(NLL_OWNER) if r.number not in NLL_REASSESSED_T2]
    with transaction():
        for k, r in enumerate(awaiting[:5]):
            r.owner_id = make_user(f"extra{k}@norrbotten.example", "owner", "NLL-RS").id
    set_today("2022-09-11")
    with statement_log() as more:
        assert send(runner).exit_code == 0
    assert len(smtp.received) == 3 + 8
    assert more.count == few.count


def risks_of(email: str) -> list[Risk]:
    return list(db.session.scalars(select(Risk).where(Risk.owner_id == user(email).id)
                                   .order_by(Risk.id)))


def test_titles_are_escaped_in_html_and_plain_in_text(runner, smtp):
    make_measure("<b>Fet</b> & \"citat\"", unit_code="NLL-LS1", responsible=LS1_OWNER,
                 due_date=date(2022, 9, 12))
    assert send(runner).exit_code == 0
    mail = smtp.to(LS1_OWNER)[0]
    assert "&lt;b&gt;Fet&lt;/b&gt; &amp; &#34;citat&#34;" in mail.part("html")
    assert "<b>Fet</b>" not in mail.part("html")
    assert '<b>Fet</b> & "citat"' in mail.part("plain")
    assert mail.message["Subject"] == "Riskreg: 19 saker att göra"


@pytest.mark.parametrize("days", ["-1", "367", "sju"])
def test_a_bad_number_of_days_is_a_usage_error(runner, smtp, days):
    result = send(runner, "--days", days)
    assert result.exit_code == 2 and "--days" in result.output
    assert smtp.received == [] and rows() == {}
