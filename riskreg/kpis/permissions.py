"""Who may read and change a plan's structure and record KPI outcomes."""

from __future__ import annotations

from ..auth.permissions import MANAGERS, READ_ROLES, has_role_over, role_paths
from ..models.org import Unit
from ..models.plan import Plan
from ..models.users import User


def can_read_plan(user: User, plan: Plan) -> bool:
    """Anyone with a role on the plan's unit or above it, or on a unit beneath it (the plan
    covers their unit: its KPIs are theirs to follow up)."""
    if has_role_over(user, READ_ROLES, plan.unit):
        return True
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    return any(path.startswith(plan.unit.path) for path in role_paths(user))


def can_edit_plan(user: User, plan: Plan) -> bool:
    """Perspectives, goals, success factors, KPIs and their links to risks: a coordinator
    of the plan's unit or a unit above it."""
    return has_role_over(user, MANAGERS, plan.unit)


def can_record_outcome(user: User, unit: Unit) -> bool:
    """A KPI's outcome for a unit: a coordinator of that unit or one above it."""
    return has_role_over(user, MANAGERS, unit)
