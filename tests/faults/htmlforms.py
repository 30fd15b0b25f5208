"""The forms of a page as a browser sees them: action, method and fields with the values a
browser would send unchanged (hidden inputs, selected options, text areas), and the choices
of every select. Stdlib ``html.parser``, no browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class HtmlForm:
    action: str  # a path (and query), resolved against the page's URL
    method: str
    values: dict[str, str] = field(default_factory=dict)  # what a plain submit would send
    options: dict[str, list[str]] = field(default_factory=dict)  # select name -> values
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type / select / textarea

    @property
    def names(self) -> list[str]:
        return list(self.kinds)

    def filled(self, **changes: str) -> dict[str, str]:
        """The page's values with ``changes`` applied."""
        return {**self.values, **changes}


class _Parser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._option: dict | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = HtmlForm(action=_path(urljoin(self.page_url, a.get("action") or "")),
                                  method=(a.get("method") or "get").upper())
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            self._form.kinds.setdefault(name, kind)
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.values[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self._form.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._select_first = name, None
            self._form.kinds[name] = "select"
            self._form.options[name] = []
        elif tag == "option" and self._select:
            self._option = a
            self._text = []
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
            self._form.kinds[name] = "textarea"

    def handle_data(self, data: str) -> None:
        if self._option is not None or self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._form is None:
            return
        if tag == "option" and self._option is not None and self._select:
            value = self._option.get("value", "".join(self._text).strip())
            self._form.options[self._select].append(value)
            if self._select_first is None:
                self._select_first = value
            if "selected" in self._option:
                self._form.values[self._select] = value
            self._option = None
        elif tag == "select" and self._select:
            if self._select not in self._form.values and self._select_first is not None:
                self._form.values[self._select] = self._select_first
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            self._form.values[self._textarea] = text[1:] if text.startswith("\n") else text
            self._textarea = None
        elif tag == "form":
            self._form = None


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def forms_in(html: str, page_url: str = "/") -> list[HtmlForm]:
    """Every form of the page, in document order."""
    parser = _Parser(page_url)
    parser.feed(html)
    parser.close()
    return parser.forms


def form_posting_to(html: str, page_url: str, action: str) -> HtmlForm:
    """The POST form of the page whose action is ``action`` (a path, maybe with a query)."""
    found = [f for f in forms_in(html, page_url) if f.method == "POST" and f.action == action]
    assert found, (f"no POST form to {action} on {page_url}: "
                   f"{[(f.method, f.action) for f in forms_in(html, page_url)]}")
    return found[0]
