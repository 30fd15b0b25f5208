"""The main menu: the entries ``create_app`` names, each with the rule that shows it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from .forms import button_form


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


EXTENSION = "riskreg.navigation"


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    entries: list[NavEntry] = current_app.extensions[EXTENSION]
    here = request.endpoint or ""
    exact = {e.endpoint for e in entries}
    return [
        NavItem(str(e.label()), url_for(e.endpoint), _is_current(e.endpoint, here, exact))
        for e in entries
        if e.visible(current_user)
    ]


def _is_current(endpoint: str, here: str, exact: set[str]) -> bool:
    """The entry itself, or a page of its blueprint that has no menu entry of its own."""
    if here == endpoint:
        return True
    same_blueprint = here.split(".")[0] == endpoint.split(".")[0]
    return same_blueprint and here not in exact and endpoint.endswith(".index")


def init_navigation(app: Flask, entries: list[NavEntry]) -> None:
    app.extensions[EXTENSION] = list(entries)
    app.jinja_env.globals.update(nav_items=nav_items, empty_form=button_form)
