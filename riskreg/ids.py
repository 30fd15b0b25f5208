"""Ids from URLs and query strings: whole numbers that fit the database's integer
columns. Anything else is not an id (so 404/400, never an overflow error in SQL)."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER


def parse_id(raw: object) -> int | None:
    """The id in ``raw``, or None when it is not a positive 32-bit whole number."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 10:
        value = int(raw)
    else:
        return None
    return value if 1 <= value <= MAX_ID else None


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: 1 … 2³¹−1, else the route does not match (404)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
