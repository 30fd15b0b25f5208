"""Who may do what to a risk. Used by the views, the services and the templates."""

from __future__ import annotations

from ..auth.permissions import MANAGERS, has_any_role, has_role_over
from ..domain.roles import Role
from ..models.org import Unit
from ..models.risks import Risk
from ..models.users import User


def can_manage_risks_in(user: User, unit: Unit) -> bool:
    """Create, assign and archive: a coordinator of the unit or an ancestor."""
    return has_role_over(user, MANAGERS, unit)


def can_create_risks(user: User) -> bool:
    """May create risks in some unit: a coordinator anywhere (a role is held on a unit the
    user reads, so this equals can_manage_risks_in over every readable unit, without
    asking thousands of units one by one)."""
    return has_any_role(user, MANAGERS)


def can_manage_risk(user: User, risk: Risk) -> bool:
    return not risk.archived and can_manage_risks_in(user, risk.unit)


def is_own_risk(user: User, risk: Risk) -> bool:
    return risk.owner_id == user.id and has_role_over(user, {Role.OWNER}, risk.unit)


def can_edit_risk(user: User, risk: Risk) -> bool:
    """Texts and assessments: the risk's own owner, or a coordinator over its unit."""
    return not risk.archived and (is_own_risk(user, risk) or can_manage_risks_in(user, risk.unit))


def can_be_owner(user: User, unit: Unit) -> bool:
    """A risk's owner must hold the risk-owner role on its unit (or above it)."""
    return user.active and has_role_over(user, {Role.OWNER}, unit)
