"""Loads the demo risks (seed/risks_*.yaml) idempotently: a risk is found by its plan
and number, an assessment by its risk and period.

Assessments the seed files mark ``demo: true`` are not in the source documents: they are
stored with ``demo`` set and signed by the demo account (never by a person's name), so the
interface can say so."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import select

from .. import audit
from ..auth.passwords import hash_password
from ..auth.services import new_session_token
from ..domain.periods import Period
from ..extensions import db
from ..models.org import Unit
from ..models.plan import Perspective, Plan, StrategicGoal, SuccessFactor
from ..models.risks import Risk, RiskAssessment, RiskGoalMark
from ..models.users import User
from ..scales import scale_for_unit
from ..seed import SeedReport, load_yaml
from . import services, state
from .texts import RiskTexts

RISK_FILES = {
    # file: (plan owner unit code, owner e-mail)
    "risks_norrbotten.yaml": ("NLL-RS", "riskagare@norrbotten.example"),
    "risks_sormland.yaml": ("SRM-PV", "riskagare@sormland.example"),
}


DEMO_ACCOUNT = "demodata@riskreg.invalid"
DEMO_ACCOUNT_NAME = "Demodata (påhittad)"


def demo_account() -> User:
    """The account that signs invented demo assessments: inactive, without roles and with
    a random password nobody is told, so nobody can sign in as it."""
    user = db.session.scalar(select(User).where(User.email == DEMO_ACCOUNT))
    if user is None:
        user = User(email=DEMO_ACCOUNT, name=DEMO_ACCOUNT_NAME,
                    password_hash=hash_password(secrets.token_urlsafe(32)),
                    active=False, session_token=new_session_token())
        db.session.add(user)
        db.session.flush()
        audit.record(None, "user", user.id, "create", None,
                     {"email": DEMO_ACCOUNT, "name": DEMO_ACCOUNT_NAME, "active": False})
    return user


def _factor_id(plan: Plan, name: str | None) -> int | None:
    if not name:
        return None
    return db.session.scalar(
        select(SuccessFactor.id)
        .join(StrategicGoal, StrategicGoal.id == SuccessFactor.goal_id)
        .join(Perspective, Perspective.id == StrategicGoal.perspective_id)
        .where(Perspective.plan_id == plan.id, SuccessFactor.name == name))


def load_risks(seed_dir: Path, report: SeedReport) -> None:
    for name, (plan_unit_code, owner_email) in RISK_FILES.items():
        if not (seed_dir / name).exists():
            continue
        plan_unit = db.session.scalar(select(Unit).where(Unit.code == plan_unit_code))
        plan = db.session.scalar(select(Plan).where(Plan.unit_id == plan_unit.id))
        owner = db.session.scalar(select(User).where(User.email == owner_email))
        for item in load_yaml(name, seed_dir).get("risks") or []:
            _load_one(item, plan, owner, report)
        db.session.flush()


def _load_one(item: dict, plan: Plan, owner: User, report: SeedReport) -> None:
    risk = db.session.scalar(select(Risk).where(Risk.plan_id == plan.id,
                                                Risk.number == item["number"]))
    assessments = sorted(item.get("assessments") or [], key=lambda a: Period.parse(a["period"]))
    if risk is None:
        unit = db.session.scalar(select(Unit).where(Unit.code == item["unit"]))
        first = assessments[0] if assessments else None
        risk = services.create_risk(None, services.NewRisk(
            kind=item["kind"], unit_id=unit.id, plan_id=plan.id, owner_id=owner.id,
            number=item["number"],
            texts=RiskTexts.from_mapping(item),
            success_factor_id=_factor_id(plan, item.get("success_factor")),
            period=Period.parse(first["period"]) if first else None,
            likelihood=first["likelihood"] if first else None,
            consequence=first["consequence"] if first else None,
        ))
        if first and first.get("comment"):
            risk.assessments[0].comment = first["comment"]
        report.add("risks")
    have = {a.period for a in risk.assessments}
    scale = scale_for_unit(risk.unit)
    for a in assessments:
        period = Period.parse(a["period"])
        if period in have:
            continue
        value = scale.value(a["likelihood"], a["consequence"])
        invented = bool(a.get("demo"))
        signer = demo_account() if invented else owner
        assessment = RiskAssessment(risk_id=risk.id, period=period, likelihood=a["likelihood"],
                                    consequence=a["consequence"], value=value,
                                    comment=a.get("comment"), assessed_by_id=signer.id,
                                    demo=invented)
        db.session.add(assessment)
        db.session.flush()
        audit.record(signer if invented else None, "risk", risk.id, "assess", None,
                     audit.snapshot(assessment, services.ASSESSMENT_FIELDS),
                     unit_id=risk.unit_id)
        report.add("assessments")
    state.refresh(risk)
    for m in item.get("goal_marks") or []:
        period = Period.parse(m["period"])
        exists = db.session.scalar(select(RiskGoalMark.id).where(
            RiskGoalMark.risk_id == risk.id, RiskGoalMark.period == period))
        if exists is None:
            db.session.add(RiskGoalMark(risk_id=risk.id, period=period, mark=str(m["mark"])))
            report.add("goal_marks")

