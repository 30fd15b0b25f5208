"""Language choice and the formatting used in templates (ISO dates, Swedish numbers)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user

from .domain.periods import Period

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line: no user, no session
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def local_datetime(value: datetime | None) -> str:
    """ISO 8601 date and minute in Stockholm time: 2024-05-02 14:05."""
    if value is None:
        return ""
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def iso_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(STOCKHOLM).date()
    return value.isoformat()


def number(value: float | int | None, digits: int = 1) -> str:
    """Numbers in the interface's locale (Swedish: 1 234,5)."""
    if value is None:
        return "–"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    fmt = "#,##0" if isinstance(value, int) else "#,##0." + "#" * digits
    return format_decimal(value, format=fmt, locale=str(get_locale() or "sv"))


def period_label(value: Period | None) -> str:
    if value is None:
        return ""
    return f"{value} ({value.report_name})"


def request_translations():
    """The request's translations, found once per request: Flask-Babel finds them through
    the domain, the context and the locale on every call, and a page translates a hundred
    strings or more in its templates (issue 14). Kept per locale: a mail rendered for a
    person under ``force_locale`` inside a request must get that person's language."""
    if not has_request_context():
        return get_translations()
    kept = vars(request._get_current_object()).setdefault("_riskreg_translations", {})
    locale = str(get_locale())
    found = kept.get(locale)
    if found is None:
        found = kept[locale] = get_translations()
    return found


def init_template_helpers(app: Flask) -> None:
    app.jinja_env.filters.update(
        localtime=local_datetime, isodate=iso_date, number=number, period=period_label
    )
    app.jinja_env.globals.update(
        get_locale=get_locale, field_attrs=field_attrs)
    # the templates' _() and ngettext() as Flask-Babel installs them, on the request's
    # translations (request_translations)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )


def field_attrs(field, autofocus: bool = False) -> dict:
    """ARIA attributes linking a form field to its description and errors."""
    described = []
    if field.description:
        described.append(f"{field.id}-desc")
    if field.errors:
        described.append(f"{field.id}-err")
    attrs: dict = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    if autofocus:
        attrs["autofocus"] = True
    return attrs
