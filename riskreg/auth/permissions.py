"""Named permission rules, used by views, services and templates alike.

Every role is held on a unit and reaches that unit and everything beneath it.
An object outside the caller's reach is reported as *not found* (404), so that
ids of other organisations' objects cannot be probed.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import g
from sqlalchemy import false, or_

from ..domain.roles import Role
from ..models.org import Unit
from ..models.users import User

READ_ROLES = frozenset(Role)
# Who manages risks (creates, assigns, archives; later plans and controls): coordinators.
# Administrators keep the organisation (units, users, scales) and are not coordinators:
# a region gives an administrator the coordinator role too when they are both.
MANAGERS = frozenset({Role.COORDINATOR})


class PermissionDenied(Exception):
    """The caller may see the object but not do this to it (403)."""


def _grants(user: User) -> list[tuple[str, str]]:
    """(role, unit path) for each of the user's assignments, cached per request."""
    cache = g.setdefault("_grants", {})
    if user.id not in cache:
        cache[user.id] = [(a.role, a.unit.path) for a in user.assignments]
    return cache[user.id]


def forget_grants() -> None:
    g.pop("_grants", None)


def has_role_over(user: User | None, roles: Iterable[str], unit: Unit) -> bool:
    """True when the user holds one of ``roles`` on ``unit`` or an ancestor of it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    wanted = set(roles)
    return any(role in wanted and unit.path.startswith(path) for role, path in _grants(user))


def role_paths(user: User, roles: Iterable[str] = READ_ROLES) -> list[str]:
    """The minimal set of subtree paths where the user holds one of ``roles``."""
    wanted = set(roles)
    paths = sorted({p for r, p in _grants(user) if r in wanted})
    minimal: list[str] = []
    for p in paths:
        if not any(p.startswith(m) for m in minimal):
            minimal.append(p)
    return minimal


def units_clause(user: User, roles: Iterable[str] = READ_ROLES):
    """SQL condition on Unit: the units the user reaches with one of ``roles``."""
    paths = role_paths(user, roles)
    if not paths:
        return false()
    return or_(*(Unit.subtree_clause(p) for p in paths))


def has_any_role(user: User, roles: Iterable[str]) -> bool:
    wanted = set(roles)
    return any(r in wanted for r, _ in _grants(user))


# -- named rules ----------------------------------------------------------
def can_read_unit(user: User, unit: Unit) -> bool:
    return has_role_over(user, READ_ROLES, unit)


def can_administer_unit(user: User, unit: Unit) -> bool:
    return has_role_over(user, {Role.ADMIN}, unit)


def can_administer_scale(user: User, root: Unit) -> bool:
    """The scale belongs to an organisation: only an administrator of its root may change it."""
    return root.parent_id is None and has_role_over(user, {Role.ADMIN}, root)


def is_admin(user: User) -> bool:
    return has_any_role(user, {Role.ADMIN})


def is_coordinator(user: User) -> bool:
    return has_any_role(user, MANAGERS)


def is_owner(user: User) -> bool:
    return has_any_role(user, {Role.OWNER})


def is_board(user: User) -> bool:
    return has_any_role(user, {Role.BOARD})


def require(condition: bool) -> None:
    """403 unless the rule holds."""
    if not condition:
        raise PermissionDenied()


# The rules the templates use (the views decide everything else).
TEMPLATE_RULES = {
    "can_administer_unit": can_administer_unit,
    "is_admin": is_admin,
}
