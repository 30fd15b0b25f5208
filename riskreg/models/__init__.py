"""All models, imported here so that Alembic and the app see one metadata."""

from .audit import AuditEvent
from .controls import (
    Control,
    ControlPlan,
    ControlPlanRisk,
    ControlRisk,
    ControlRun,
    ControlRunItem,
    ControlUnit,
    Evidence,
    PlanAmendment,
    PlanFollowUp,
)
from .locks import PeriodLock
from .measures import Measure, MeasureFollowUp, MeasureRisk, MeasureStatus
from .numbering import NumberSeries
from .org import Unit
from .plan import Kpi, KpiOutcome, KpiRiskLink, Perspective, Plan, StrategicGoal, SuccessFactor
from .reminders import ReminderSent
from .risks import ApiToken, Risk, RiskAssessment, RiskGoalMark, RiskState
from .scale import RiskScale
from .sessions import UserSession
from .users import RoleAssignment, User

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Control",
    "ControlPlan",
    "ControlPlanRisk",
    "ControlRisk",
    "ControlRun",
    "ControlRunItem",
    "ControlUnit",
    "Evidence",
    "PlanAmendment",
    "PlanFollowUp",
    "ReminderSent",
    "Risk",
    "RiskAssessment",
    "RiskGoalMark",
    "RiskState",
    "Kpi",
    "Measure",
    "MeasureFollowUp",
    "MeasureRisk",
    "MeasureStatus",
    "KpiOutcome",
    "KpiRiskLink",
    "NumberSeries",
    "PeriodLock",
    "Perspective",
    "Plan",
    "RiskScale",
    "RoleAssignment",
    "StrategicGoal",
    "SuccessFactor",
    "Unit",
    "User",
    "UserSession",
]
