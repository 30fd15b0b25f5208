"""What the start page shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from .. import clock
from ..domain.periods import Period
from ..domain.roles import Role
from ..extensions import db
from ..models.users import RoleAssignment, User
from . import start


@dataclass
class StartPage:
    period: Period
    assignments: list[RoleAssignment]
    roles: set[str]
    steps: list = field(default_factory=list)
    panels: list = field(default_factory=list)


def start_page(user: User) -> StartPage:
    assignments = list(
        db.session.scalars(
            select(RoleAssignment).where(RoleAssignment.user_id == user.id)
        )
    )
    order = {r.value: i for i, r in enumerate(Role)}
    assignments.sort(key=lambda a: (order[a.role], a.unit.path))
    page = StartPage(clock.current_period(), assignments, {a.role for a in assignments})
    page.steps = start.steps_for(user, page)
    page.panels = start.panels_for(user, page)
    return page
