"""The main menu: each feature registers its entries with the rule that shows them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, url_for
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
    prefix: str


_ENTRIES: list[NavEntry] = []


def register(label: Callable[[], str], endpoint: str, visible: Callable[[object], bool]) -> None:
    if all(e.endpoint != endpoint for e in _ENTRIES):
        _ENTRIES.append(NavEntry(label, endpoint, visible))


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    return [
        NavItem(str(e.label()), url_for(e.endpoint), e.endpoint.split(".")[0] + ".")
        for e in _ENTRIES
        if e.visible(current_user)
    ]


def init_navigation(app: Flask) -> None:
    app.jinja_env.globals.update(nav_items=nav_items, empty_form=EmptyForm)
