"""The SMTP settings of the reminders, read from the configuration, and how a failure is
told to the operator (riskreg/reminders/mail.py; no database, no server)."""

from __future__ import annotations

import smtplib

import pytest

from riskreg.reminders.mail import MailConfigError, SmtpSettings, describe

GOOD = {"RISKREG_SMTP_HOST": "smtp.region.example", "RISKREG_SMTP_PORT": 587,
        "RISKREG_SMTP_USER": "riskreg", "RISKREG_SMTP_PASSWORD": "hemligt",
        "RISKREG_SMTP_STARTTLS": True, "RISKREG_MAIL_FROM": "Riskreg <riskreg@region.example>",
        "RISKREG_BASE_URL": "https://riskreg.region.example/"}


def test_complete_settings_are_read():
    s = SmtpSettings.from_config(GOOD)
    assert (s.host, s.port, s.user, s.password, s.starttls) == (
        "smtp.region.example", 587, "riskreg", "hemligt", True)
    assert s.sender == GOOD["RISKREG_MAIL_FROM"] and s.base_url == GOOD["RISKREG_BASE_URL"]


def test_a_relay_without_sign_in_needs_no_user():
    s = SmtpSettings.from_config({**GOOD, "RISKREG_SMTP_USER": "", "RISKREG_SMTP_PASSWORD": None,
                                  "RISKREG_SMTP_STARTTLS": False, "RISKREG_SMTP_PORT": 25})
    assert (s.user, s.password, s.starttls, s.port) == (None, None, False, 25)


@pytest.mark.parametrize(("changes", "says"), [
    ({"RISKREG_SMTP_HOST": None}, "RISKREG_SMTP_HOST"),
    ({"RISKREG_MAIL_FROM": ""}, "RISKREG_MAIL_FROM"),
    ({"RISKREG_BASE_URL": None, "RISKREG_SMTP_HOST": ""},
     "RISKREG_SMTP_HOST, RISKREG_BASE_URL"),
    ({"RISKREG_SMTP_STARTTLS": False}, "unencrypted"),
    ({"RISKREG_MAIL_FROM": "riskreg"}, "not an e-mail address"),
])
def test_missing_or_unsafe_settings_are_refused_by_name(changes, says):
    with pytest.raises(MailConfigError, match=says):
        SmtpSettings.from_config({**GOOD, **changes})


def test_failures_are_told_with_the_servers_answer_and_no_secret():
    refused = smtplib.SMTPRecipientsRefused(
        {"a@region.example": (550, b"5.1.1 No such mailbox")})
    assert describe(refused) == "SMTP 550: 5.1.1 No such mailbox (a@region.example)"
    auth = smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication failed")
    assert describe(auth) == "SMTP 535: 5.7.8 Authentication failed"
    assert describe(ConnectionRefusedError(111, "Connection refused")) == (
        "ConnectionRefusedError: [Errno 111] Connection refused")
    assert "hemligt" not in describe(auth)
