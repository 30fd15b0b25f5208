"""The main menu: each feature registers its entries with the rule that shows them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_login import current_user

from .forms import EmptyForm


@dataclass(frozen=True)
class NavEntry:
    label: Callable[[], str]
    endpoint: str
    visible: Callable[[object], bool]


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


_ENTRIES: list[NavEntry] = []


def register(label: Callable[[], str], endpoint: str, visible: Callable[[object], bool]) -> None:
    if all(e.endpoint != endpoint for e in _ENTRIES):
        _ENTRIES.append(NavEntry(label, endpoint, visible))


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    here = request.endpoint or ""
    exact = {e.endpoint for e in _ENTRIES}
    return [
        NavItem(str(e.label()), url_for(e.endpoint), _is_current(e.endpoint, here, exact))
        for e in _ENTRIES
        if e.visible(current_user)
    ]


def _is_current(endpoint: str, here: str, exact: set[str]) -> bool:
    """The entry itself, or a page of its blueprint that has no menu entry of its own."""
    if here == endpoint:
        return True
    same_blueprint = here.split(".")[0] == endpoint.split(".")[0]
    return same_blueprint and here not in exact and endpoint.endswith(".index")


def init_navigation(app: Flask) -> None:
    app.jinja_env.globals.update(nav_items=nav_items, empty_form=EmptyForm)
