"""The to-do list and the e-mail reminders: what falls due for each person.

A *provider* is a function ``(DueQuery) -> list[DueItem]`` that answers, in a constant
number of SQL statements, what of its kind falls due by the query's horizon or is
overdue, for one person or for everyone (riskreg/reminders/due.py). ``create_app``
names the providers in ``register_features``::

    reminders.init_reminders(app, providers=[providers.risks_to_reassess,
                                             providers.measures_to_report])

so a new kind of item (the control runs to perform) is one more function in that list.
Everything else — the start page's to-do panel (start.py), the mails and
``flask send-reminders`` (services.py, mail.py, cli.py) — reads them through
:func:`due_items`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from .due import DueItem, DueQuery, by_person, sort_items

Provider = Callable[[DueQuery], list[DueItem]]
EXTENSION = "riskreg.reminders"

__all__ = ["DueItem", "DueQuery", "Provider", "by_person", "due_items", "init_reminders",
           "sort_items"]


def init_reminders(app: Flask, providers: list[Provider]) -> None:
    app.extensions[EXTENSION] = tuple(providers)


def registered() -> tuple[Provider, ...]:
    return current_app.extensions[EXTENSION]


def due_items(query: DueQuery) -> list[DueItem]:
    """Every provider's items for the query, earliest due first (one statement or two per
    provider, whatever the number of items or people)."""
    return sort_items(item for provider in registered() for item in provider(query))
