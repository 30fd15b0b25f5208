"""The to-do panel of each person's start page (named in ``create_app``): what is theirs to
do, due within TODO_DAYS or overdue, earliest first."""

from __future__ import annotations

from flask_babel import gettext as _

from .. import clock
from ..auth.permissions import is_owner
from ..main.start import Panel
from . import DueQuery, due_items

TODO_DAYS = 30
PANEL_LIMIT = 50


def todo_panel(user, page) -> list[Panel]:
    """Shown to anyone with something to do, and to every risk owner (who then reads that
    nothing is due)."""
    today = clock.today()
    items = due_items(DueQuery(today, TODO_DAYS, person_id=user.id))
    if not items and not is_owner(user):
        return []
    return [Panel("reminders/_todo.html", {
        "title": _("Your to-do list"),
        "days": TODO_DAYS, "today": today, "todo": items[:PANEL_LIMIT],
        "total": len(items), "overdue": sum(1 for i in items if i.overdue(today)),
        "testid": "todo"})]
