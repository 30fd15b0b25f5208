"""Long lists of links to one endpoint, cheaply.

``url_for`` builds a URL through the router (about a tenth of a millisecond a call); a
heat map lists hundreds of risk links. ``url_pattern`` asks ``url_for`` once, with a
marker in place of the one value that varies, and substitutes per link: the same URL,
escaped and rooted as ``url_for`` makes it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for

_MARKER = 987654321987


def url_pattern(endpoint: str, key: str, **values) -> Callable[[int], str]:
    """A function of one integer ``key`` value giving ``url_for(endpoint, key=…, **values)``."""
    head, found, tail = url_for(endpoint, **{key: _MARKER}, **values).partition(str(_MARKER))
    if not found:  # the value did not end up in the URL as such: build each one
        return lambda value: url_for(endpoint, **{key: value}, **values)
    return lambda value: f"{head}{int(value)}{tail}"
