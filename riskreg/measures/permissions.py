"""Who may do what to a measure. Used by the views, the services and the templates.

Coordinators create, link, assign, finish and cancel; the responsible risk owner reports
status, comment and result of their own measures; everyone who reads the unit reads."""

from __future__ import annotations

from ..auth.permissions import MANAGERS, has_role_over
from ..domain.roles import Role
from ..models.measures import Measure
from ..models.org import Unit
from ..models.users import User


def can_manage_measures_in(user: User, unit: Unit) -> bool:
    return has_role_over(user, MANAGERS, unit)


def can_manage_measure(user: User, measure: Measure) -> bool:
    return measure.active and can_manage_measures_in(user, measure.unit)


def is_responsible(user: User, measure: Measure) -> bool:
    return (measure.responsible_id == user.id
            and has_role_over(user, {Role.OWNER}, measure.unit))


def can_report_measure(user: User, measure: Measure) -> bool:
    """Status, comment and result for a period: the responsible owner or a coordinator."""
    return measure.active and (is_responsible(user, measure)
                               or can_manage_measures_in(user, measure.unit))


def can_be_responsible(user: User, unit: Unit) -> bool:
    """The responsible person holds the risk-owner role on the unit (or above it)."""
    return user.active and has_role_over(user, {Role.OWNER}, unit)
