"""Who may do what in internal control. Used by the views, the services and the templates.

* Coordinators over the plan's unit manage the plan and its controls (create, adopt,
  amend, report the follow-up, close).
* The control's responsible person (while they can read the unit) and coordinators over
  the unit record runs, their results and evidence.
* Everyone who reads the plan's unit (risk owners, ledamöter) reads; a run is also read by
  those who read its own unit. Other organisations see nothing (404).
"""

from __future__ import annotations

from ..auth.permissions import MANAGERS, can_read_unit, has_role_over
from ..models.controls import Control, ControlPlan, ControlRun
from ..models.org import Unit
from ..models.users import User


def can_read_plan(user: User, plan: ControlPlan) -> bool:
    return can_read_unit(user, plan.unit)


def can_manage_plans_in(user: User, unit: Unit) -> bool:
    return has_role_over(user, MANAGERS, unit)


def can_manage_plan(user: User, plan: ControlPlan) -> bool:
    return plan.state != "closed" and can_manage_plans_in(user, plan.unit)


def can_record_runs(user: User, control: Control, unit: Unit) -> bool:
    """A run of ``control`` on ``unit``: the plan is adopted and not closed, and the user is
    the control's responsible person (reading the unit) or a coordinator over the unit."""
    plan = control.plan
    if plan.state not in ("adopted", "followed_up"):
        return False
    if has_role_over(user, MANAGERS, unit) or has_role_over(user, MANAGERS, plan.unit):
        return True
    return (user is not None and getattr(user, "is_authenticated", False) and user.active
            and control.responsible_id == user.id and can_read_unit(user, unit))


def can_read_run(user: User, run: ControlRun) -> bool:
    return can_read_unit(user, run.unit) or can_read_plan(user, run.control.plan)


def can_edit_run(user: User, run: ControlRun) -> bool:
    return can_record_runs(user, run.control, run.unit)
