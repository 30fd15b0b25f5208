"""One check for every request: text may not carry control characters.

NUL bytes make PostgreSQL refuse a string (a 500 there, silently stored on SQLite), and
other control characters have no place in names and texts either. Before any view runs,
the query parameters, form fields and JSON body (names and values, at any depth) are
checked; anything but tab, CR and LF below U+0020, DEL and the C1 controls
(U+0080–U+009F) give 400 with a clear message (JSON under /api/), on every database alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import abort_with

FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_DEPTH = 20  # deeper JSON is refused as well, not walked


def _json_strings(value: Any, path: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(where, text) for every key and string in a JSON document."""
    if depth > MAX_DEPTH:
        yield path, "\x00"
    elif isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path, str(key)
            yield from _json_strings(item, str(key), depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item, path, depth + 1)


def _texts() -> Iterator[tuple[str, str]]:
    """(field name, text) for every name and value the request carries."""
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            yield name, name
            yield name, value
    for name in request.files:
        yield name, name
    if request.is_json:
        body = request.get_json(silent=True)
        if body is not None:
            yield from _json_strings(body, "")


def _shown(name: str) -> str:
    """A field name safe to show back: its control characters replaced, at most 50 long."""
    return FORBIDDEN.sub("?", name)[:50]


def refuse_control_characters() -> None:
    for name, text in _texts():
        if FORBIDDEN.search(text):
            abort_with(400, _("A control character (such as a NUL byte) is not allowed in "
                              "the input: %(field)s.", field=_shown(name) or "–"))


def refuse_oversized_forms() -> None:
    """A url-encoded body over the form limit is a 413 before anything reads it. Werkzeug
    applies ``MAX_FORM_MEMORY_SIZE`` to such bodies in some releases and not in others
    (3.1.9 parses them whole); this keeps the answer the same whatever is installed."""
    limit = current_app.config.get("MAX_FORM_MEMORY_SIZE") or 500_000
    if (request.mimetype == "application/x-www-form-urlencoded"
            and (request.content_length or 0) > limit):
        raise RequestEntityTooLarge()


def init_textguard(app: Flask) -> None:
    # First of all checks, before CSRF protection and the session checks read the form.
    checks = app.before_request_funcs.setdefault(None, [])
    checks.insert(0, refuse_control_characters)
    checks.insert(0, refuse_oversized_forms)
