"""Lookups and a maker for the measure tests."""

from __future__ import annotations

from sqlalchemy import select

from riskreg.extensions import db
from riskreg.measures import services
from riskreg.models import Measure, Plan, Risk
from riskreg.uow import transaction
from tests.conftest import unit, user

NLL_OWNER = "riskagare@norrbotten.example"
LS1_OWNER = "riskagare.ls1@norrbotten.example"


def plan_id(code: str = "NLL-RS") -> int:
    return db.session.scalar(select(Plan.id).where(Plan.unit_id == unit(code).id))


def measure(number: int, plan_code: str = "NLL-RS") -> Measure:
    found = db.session.scalar(select(Measure).where(Measure.plan_id == plan_id(plan_code),
                                                    Measure.number == number))
    assert found is not None, f"no measure {number}"
    return found


def risk(number: int, plan_code: str = "NLL-RS") -> Risk:
    return db.session.scalar(select(Risk).where(Risk.plan_id == plan_id(plan_code),
                                                Risk.number == number))


def make_measure(title: str = "Ny åtgärd", unit_code: str = "NLL-RS",
                 responsible: str | None = NLL_OWNER, **texts) -> Measure:
    with transaction():
        return services.create_measure(None, services.NewMeasure(
            unit_id=unit(unit_code).id, plan_id=plan_id("NLL-RS"),
            texts=services.MeasureTexts(
                title=title, responsible_id=user(responsible).id if responsible else None,
                **texts)))
