"""Lookups and makers for the internal-control tests."""

from __future__ import annotations

from sqlalchemy import select

from riskreg.controls import services
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import Control, ControlPlan, ControlRun
from riskreg.uow import transaction
from tests.conftest import unit, user
from tests.helpers.measures import risk

COORDINATOR = "samordnare@norrbotten.example"
INVOICES = [f"F-2022-{n:05d}" for n in range(1, 121)]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def plan(code: str = "NLL-RS", year: int = 2022) -> ControlPlan:
    found = db.session.scalar(select(ControlPlan).where(ControlPlan.unit_id == unit(code).id,
                                                        ControlPlan.year == year))
    assert found is not None, f"no control plan {code} {year}"
    return found


def control(number: int, code: str = "NLL-RS", year: int = 2022) -> Control:
    return db.session.scalar(select(Control).where(Control.plan_id == plan(code, year).id,
                                                   Control.number == number))


def run(number: int, unit_code: str, period: str, code: str = "NLL-RS", year: int = 2022
        ) -> ControlRun:
    return db.session.scalar(select(ControlRun).where(
        ControlRun.control_id == control(number, code, year).id,
        ControlRun.unit_id == unit(unit_code).id, ControlRun.period == Period.parse(period)))


def make_spot_check(title: str = "Stickprov på leverantörsfakturor", units=("NLL-RS",),
                    responsible: str | None = COORDINATOR, sample_size: int = 10) -> Control:
    """A tertial spot check added to Regionstyrelsen's adopted 2022 plan (an amendment,
    made by its coordinator), handling risk 11."""
    with transaction():
        return services.create_control(user(COORDINATOR), plan(), services.ControlInput(
            title=title, method="stickprov", frequency="tertial",
            method_text="Stickprov på attesterade fakturor",
            responsible_id=user(responsible).id if responsible else None,
            sample_size=sample_size, risk_ids=[risk(11).id],
            unit_ids=[unit(u).id for u in units]), reason="Tillägg i testet")


def make_run(c: Control, period: str = "2022-T2", unit_code: str = "NLL-RS",
             items=INVOICES, size: int = 10, seed: str = "test-seed",
             actor: str | None = COORDINATOR) -> ControlRun:
    with transaction():
        return services.create_run(user(actor) if actor else None, c, services.RunInput(
            unit_id=unit(unit_code).id, period=Period.parse(period), items=list(items),
            sample_size=size, seed=seed, population_description="Leverantörsfakturor"))
