"""Long lists of links to one endpoint, cheaply.

``url_for`` builds a URL through the router (about a tenth of a millisecond a call); a
heat map lists hundreds of risk links. ``url_pattern`` asks ``url_for`` once, with a
marker in place of each value that varies, and substitutes per link: the same URL,
escaped and rooted as ``url_for`` makes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from flask import url_for
from markupsafe import Markup, escape

_MARKER = 987654321987


def url_pattern(endpoint: str, key: str | tuple[str, ...], **values) -> Callable[..., str]:
    """A function of the integer value(s) of ``key`` (one name, or several in order)
    giving ``url_for(endpoint, key=…, **values)``; a key also given in ``values`` keeps
    its place among the query arguments."""
    keys = (key,) if isinstance(key, str) else tuple(key)
    markers = [str(_MARKER + i) for i in range(len(keys))]
    url = url_for(endpoint, **{**values, **dict(zip(keys, map(int, markers), strict=True))})
    pieces: list[str] = []
    order: list[int] = []
    rest = url
    while True:  # split the URL at the markers, in the order they occur in it
        found = [(rest.find(m), i) for i, m in enumerate(markers) if m in rest]
        if not found:
            break
        at, i = min(found)
        pieces.append(rest[:at])
        order.append(i)
        rest = rest[at + len(markers[i]):]
    pieces.append(rest)
    if sorted(order) != list(range(len(keys))):  # not each value once in the URL as such
        return lambda *vals: url_for(endpoint,
                                     **{**values, **dict(zip(keys, vals, strict=True))})

    def build(*vals) -> str:
        out = [pieces[0]]
        for n, i in enumerate(order):
            out.append(str(int(vals[i])))
            out.append(pieces[n + 1])
        return "".join(out)
    return build


def numbered_links(href: Callable[[int], str], pairs: Iterable[tuple[int, int]],
                   titles: Mapping[int, str]) -> Markup:
    """The list items of a matrix cell, one per (risk id, number) of ``pairs``: a link to
    ``href(id)`` reading "#number", the risk's title as its tooltip and, for screen
    readers, in a hidden span after the number. One string made here, each title escaped
    once: written in the template it cost three calls and four escapes a risk (the
    municipality's heat map lists 150 risks, a region's up to 640; issue 14)."""
    items = []
    for rid, num in pairs:
        title = escape(titles.get(rid, ""))
        items.append(f'<li><a href="{escape(href(rid))}" title="{title}">#{int(num)}'
                     f'<span class="sr-only"> {title}</span></a></li>')
    # every value in it is escaped above (the number is an int)
    return Markup("".join(items))  # nosec B704: built of escaped values only
