"""Helpers of the KPI tests.

Demo data these tests rely on (seed/org_*.yaml, seed/kpi_links_norrbotten.yaml):

* Norrbotten's plan (NLL-RS) has 15 KPIs with outcomes for Division Länssjukvård 1
  (NLL-LS1) in 2022-T1, computed where the target allows; "Andel digitala vårdbesök"
  (40 %, higher) is 23 % → not met, linked to risk 7 (9 in 2022-T1, at the threshold);
  "Antal/Andel patienter med misstänkt depression" (Öka) has 25 % in 2021-T3 and 15 % in
  2022-T1 → not met, trend down; "Andel kostnad inhyrda" (Minska) is unsplit.
* Sörmland's plan (SRM-PV) has outcomes for SRM-PV in 2023.
"""

from __future__ import annotations

from sqlalchemy import select, update

from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import Kpi, KpiOutcome, RiskAssessment
from riskreg.models.risks import Risk
from riskreg.risks import state
from tests.conftest import unit
from tests.helpers.risks import plan_of

DIGITAL = "Andel digitala vårdbesök"  # 40 %, higher; LS1 2022-T1: 23 % (not met); risk 7
SUICIDE = "Antal/Andel patienter med misstänkt depression"  # Öka; 25 → 15 (not met, down)
HIRED = "Andel kostnad inhyrda"  # Minska; unsplit; LS1 2022-T1: 6,9 %
WAITING = "Andel av patienter som står på väntelista, som väntat 90 dagar eller kortare till"


def kpi(start: str, org: str = "NLL") -> Kpi:
    found = db.session.scalar(select(Kpi).where(Kpi.plan_id == plan_of(org).id,
                                                Kpi.name.startswith(start, autoescape=True)))
    assert found is not None, f"no KPI {start}"
    return found


def outcome(k: Kpi, unit_code: str, period: str) -> KpiOutcome | None:
    db.session.expire_all()
    return db.session.scalar(select(KpiOutcome).where(
        KpiOutcome.kpi_id == k.id, KpiOutcome.unit_id == unit(unit_code).id,
        KpiOutcome.period == Period.parse(period)))


def set_assessment(r: Risk, period: str, likelihood: int, consequence: int) -> None:
    """Change a seeded assessment in place (as if it had been assessed so)."""
    db.session.execute(update(RiskAssessment).where(
        RiskAssessment.risk_id == r.id, RiskAssessment.period == Period.parse(period))
        .values(likelihood=likelihood, consequence=consequence,
                value=likelihood * consequence))
    db.session.flush()
    db.session.expire(r, ["assessments"])
    state.refresh(r)  # the stored state follows, as the assess service keeps it
    db.session.flush()
