"""Reads for the administration pages, scoped to the caller's administrator roles."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.permissions import can_administer_unit, units_clause
from ..domain.roles import Role
from ..extensions import db
from ..models.org import Unit
from ..models.users import RoleAssignment, User


def administrable_units(user: User) -> list[Unit]:
    return list(
        db.session.scalars(select(Unit).where(units_clause(user, {Role.ADMIN})).order_by(Unit.path))
    )


def unit_choices(user: User) -> list[tuple[int, str]]:
    return [(u.id, f"{'— ' * u.depth}{u.name} ({u.code})") for u in administrable_units(user)]


def administrable_unit_or_404(user: User, unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None or not can_administer_unit(user, unit):
        abort(404)
    return unit


def users_in_scope(user: User) -> list[User]:
    """Users holding a role somewhere in the caller's administered subtrees."""
    ids = (
        select(RoleAssignment.user_id)
        .join(Unit, Unit.id == RoleAssignment.unit_id)
        .where(units_clause(user, {Role.ADMIN}))
    )
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(ids)).order_by(User.name)
            .options(selectinload(User.assignments))
        )
    )


def user_in_scope_or_404(admin: User, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not any(can_administer_unit(admin, a.unit) for a in user.assignments):
        abort(404)
    return user


def visible_assignments(admin: User, user: User) -> list[RoleAssignment]:
    """The user's assignments within the admin's reach (others are not shown)."""
    return sorted((a for a in user.assignments if can_administer_unit(admin, a.unit)),
                  key=lambda a: (a.unit.path, a.role))
