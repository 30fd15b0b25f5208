"""The pack's HTML made into a PDF on the server with WeasyPrint.

The stylesheet is handed over as a string (static/css/boardpack.css) and WeasyPrint may
fetch nothing at all: every URL is refused, so no document can make the server read a file
or call out. Fonts come from the system's fontconfig (DejaVu Sans, Debian's
fonts-dejavu-core: å ä ö and the arrows) and are embedded as subsets."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

STYLESHEET = "css/boardpack.css"


class RefusedURL(ValueError):
    """A URL the PDF renderer may not fetch (all of them)."""


def _fetcher():
    from weasyprint.urls import URLFetcher

    class Refuse(URLFetcher):
        def fetch(self, url, headers=None):
            raise RefusedURL(url)

    return Refuse()


def render_pdf(html: str) -> bytes:
    """``html`` (a whole document, without links to fetch) as PDF bytes."""
    from weasyprint import CSS, HTML  # imported on first use (~1 s): only the PDF needs it

    css = (Path(current_app.static_folder or "") / STYLESHEET).read_text(encoding="utf-8")
    fetcher = _fetcher()
    return HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(string=css, url_fetcher=fetcher)])
