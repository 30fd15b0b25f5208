"""The findings panel of a coordinator's start page (named in ``create_app``)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.permissions import MANAGERS, has_any_role, role_paths
from ..extensions import db
from ..main.start import Panel
from ..models.org import Unit
from . import queries

PANEL_LIMIT = 10


def coordinator_panel(user, page) -> list[Panel]:
    """For each top unit the user coordinates: the findings for the current period."""
    if not has_any_role(user, MANAGERS):
        return []
    paths = role_paths(user, MANAGERS)
    units = list(db.session.scalars(select(Unit).where(Unit.path.in_(paths)).order_by(Unit.path)))
    return [Panel("findings/_panel.html", {
        "title": _("Findings for %(unit)s in %(period)s", unit=unit.name,
                   period=str(page.period)),
        "findings": queries.findings(user, unit, page.period, limit=PANEL_LIMIT),
        "testid": f"findings-{unit.id}"}) for unit in units]
