"""The reminder mail and its way out: SMTP settings from the environment (config.py,
README's configuration table), one message per person in plain text and simple HTML,
written in the person's language (Swedish unless they chose English), sent through the
standard library's smtplib over one connection per run.

Why not Flask-Mail: one message type, sent from one command; smtplib and email.message
do it in a page, with STARTTLS and login, and the tests talk to a real SMTP server
(aiosmtpd) either way. One dependency less to keep.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import urljoin

from flask import current_app, render_template
from flask_babel import force_locale, ngettext

from .due import DueItem

TIMEOUT_SECONDS = 30


class MailConfigError(RuntimeError):
    """The SMTP settings do not allow sending."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool
    sender: str
    base_url: str

    @classmethod
    def from_config(cls, config) -> SmtpSettings:
        """The settings, or MailConfigError naming what is missing or unsafe."""
        missing = [name for name in ("RISKREG_SMTP_HOST", "RISKREG_MAIL_FROM",
                                     "RISKREG_BASE_URL") if not config.get(name)]
        if missing:
            raise MailConfigError(f"Set {', '.join(missing)} to send reminders "
                                  "(see the configuration table in README.md).")
        if config.get("RISKREG_SMTP_PASSWORD") and not config.get("RISKREG_SMTP_STARTTLS"):
            raise MailConfigError("RISKREG_SMTP_PASSWORD is set while RISKREG_SMTP_STARTTLS "
                                  "is 0: the password would cross the network unencrypted.")
        if "@" not in parseaddr(config["RISKREG_MAIL_FROM"])[1]:
            raise MailConfigError("RISKREG_MAIL_FROM is not an e-mail address.")
        return cls(config["RISKREG_SMTP_HOST"], int(config.get("RISKREG_SMTP_PORT") or 587),
                   config.get("RISKREG_SMTP_USER") or None,
                   config.get("RISKREG_SMTP_PASSWORD") or None,
                   bool(config.get("RISKREG_SMTP_STARTTLS")), config["RISKREG_MAIL_FROM"],
                   config["RISKREG_BASE_URL"])


def language_of(person) -> str:
    languages = current_app.config["LANGUAGES"]
    return person.language if person.language in languages else (
        current_app.config["BABEL_DEFAULT_LOCALE"])


def subject(items: list[DueItem], today: date) -> str:
    overdue = sum(1 for i in items if i.overdue(today))
    text = ngettext("Riskreg: %(num)d thing to do", "Riskreg: %(num)d things to do",
                    len(items))
    if overdue:
        text += ", " + ngettext("%(num)d overdue", "%(num)d overdue", overdue)
    return text


def compose(person, items: list[DueItem], today: date, days: int, settings: SmtpSettings
            ) -> EmailMessage:
    """The reminder to ``person``: plain text and HTML, in their language, with absolute
    links (``RISKREG_BASE_URL``)."""
    base = settings.base_url if settings.base_url.endswith("/") else settings.base_url + "/"
    links = [urljoin(base, item.url) for item in items]
    with force_locale(language_of(person)):
        context = {"person": person, "rows": list(zip(items, links, strict=True)),
                   "today": today, "days": days, "start": base,
                   "overdue": sum(1 for i in items if i.overdue(today))}
        title = subject(items, today)
        text = render_template("reminders/mail.txt", **context)
        html = render_template("reminders/mail.html", title=title, **context)
    message = EmailMessage()
    message["Subject"] = title
    message["From"] = settings.sender
    message["To"] = formataddr((person.name, person.email))
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(settings.sender)[1].rpartition("@")[2]
                                       or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class Mailer:
    """One SMTP connection for a run, opened at the first message; a message that fails
    closes it (the next one opens a new one)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
        try:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Hand the message to the server; raises smtplib.SMTPException or OSError."""
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def describe(exc: BaseException) -> str:
    """A failure as the operator reads it (no settings, no password)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"SMTP {code}: {_text(detail)} ({address})"
                         for address, (code, detail) in exc.recipients.items())
    return f"{type(exc).__name__}: {exc}"


def _text(detail: bytes | str) -> str:
    return detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)
