"""Helpers of the risk-register tests (plain imports; their fixtures — set_today, t2,
owner2, second_owner — are in tests/conftest.py, as are TODAY_2022_T2 and SECOND_OWNER).

Demo data these tests rely on (seed/risks_*.yaml, seed/users.yaml):

* Norrbotten: 16 success-factor risks (numbers 1–4, 6–17) on Regionstyrelsen (NLL-RS),
  owned by riskagare@norrbotten.example, assessed 2022-T1; risks 3, 6, 11, 14, 16 were
  re-assessed in 2022-T2 (3 and 14 in 2022-T3 too).
* Sörmland: 5 unit risks on Division Primärvård (SRM-PV), owned by
  riskagare@sormland.example, assessed 2024-T1 (values 4, 9, 3, 6, 6); 2 and 5 were
  re-assessed in 2024-T2.
"""

from __future__ import annotations

import re

from sqlalchemy import func, insert, select

from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import AuditEvent
from riskreg.models.plan import Plan
from riskreg.models.risks import Risk, RiskAssessment
from riskreg.risks import state
from riskreg.risks.texts import TEXT_FIELDS
from tests.conftest import unit, user

NLL_OWNER = "riskagare@norrbotten.example"  # owner on NLL-RS: owns every NLL demo risk
LS1_OWNER = "riskagare.ls1@norrbotten.example"  # owner on NLL-LS1 (beneath NLL-RS)
NLL_COORDINATOR = "samordnare@norrbotten.example"  # coordinator on NLL-RS
LS1_COORDINATOR = "samordnare.ls1@norrbotten.example"  # coordinator on NLL-LS1
NLL_BOARD = "styrelse@norrbotten.example"  # board reviewer on NLL-RS
SRM_OWNER = "riskagare@sormland.example"  # owner on SRM-PV
SRM_COORDINATOR = "samordnare@sormland.example"  # coordinator on SRM-PV
SRM_BOARD = "styrelse@sormland.example"  # board on SRM-PRD (above SRM-PV)

NLL_NUMBERS = (1, 2, 3, 4, *range(6, 18))
NLL_REASSESSED_T2 = (3, 6, 11, 14, 16)
SRM_VALUES_2024_T1 = {1: 4, 2: 9, 3: 3, 4: 6, 5: 6}
SRM_REASSESSED_T2 = (2, 5)

# "today" in 2024-T2 for Sörmland (2022-T2 for Norrbotten: tests.conftest.TODAY_2022_T2).
TODAY_2024_T2 = "2024-06-15"

_PLAN_UNITS = {"NLL": "NLL-RS", "SRM": "SRM-PV"}


# -- lookups ------------------------------------------------------------------------
def plan_of(org: str) -> Plan:
    """The plan of a demo organisation ("NLL": Regionstyrelsen's, "SRM": Primärvård's)."""
    found = db.session.scalar(select(Plan).where(Plan.unit_id == unit(_PLAN_UNITS[org]).id))
    assert found is not None, f"no plan for {org}"
    return found


def risk(org: str, number: int) -> Risk:
    """A demo risk by organisation ("NLL" or "SRM") and number."""
    found = db.session.scalar(select(Risk).where(Risk.plan_id == plan_of(org).id,
                                                 Risk.number == number))
    assert found is not None, f"no risk {org} {number}"
    return found


def assessment(r: Risk, period: str) -> RiskAssessment | None:
    return db.session.scalar(select(RiskAssessment).where(
        RiskAssessment.risk_id == r.id, RiskAssessment.period == Period.parse(period)))


def risk_events(r: Risk) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "risk", AuditEvent.object_id == r.id)
        .order_by(AuditEvent.id)))


def audit_count(object_type: str | None = None) -> int:
    stmt = select(func.count()).select_from(AuditEvent)
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    return db.session.scalar(stmt)


def risk_ids_in(org: str) -> set[int]:
    return set(db.session.scalars(select(Risk.id).where(Risk.plan_id == plan_of(org).id)))


# -- pages ----------------------------------------------------------------------------
_VERSION = re.compile(r'<input[^>]*\bname="version"[^>]*>')


def version_in(html: str) -> str:
    """The version carried by the form on a page."""
    tag = _VERSION.search(html)
    assert tag, "no version field in the form"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    assert value, "version field without a value"
    return value.group(1)


def selected_value(html: str, select_id: str) -> str | None:
    """The value of the selected option of <select id=...> on a page."""
    block = re.search(rf'<select[^>]*\bid="{re.escape(select_id)}"[^>]*>(.*?)</select>', html,
                      re.DOTALL)
    assert block, f"no select #{select_id}"
    chosen = re.search(r'<option[^>]*\bselected[^>]*\bvalue="([^"]*)"|'
                       r'<option[^>]*\bvalue="([^"]*)"[^>]*\bselected', block.group(1))
    return (chosen.group(1) or chosen.group(2)) if chosen else None


def register_total(html: str) -> int:
    match = re.search(r'data-testid="register-total">\s*(\d+)', html)
    assert match, "no register total on the page"
    return int(match.group(1))


def register_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-risk-id="(\d+)"', html)]


# -- form data as a browser sends it ------------------------------------------------------
def edit_data(r: Risk, version: int | str | None = "current", **changes) -> dict:
    """The edit form of ``r`` as loaded, then ``changes``; version "current" = r.version."""
    data = {name: getattr(r, name) or "" for name in TEXT_FIELDS}
    if r.kind == "success_factor":
        data["success_factor_id"] = str(r.success_factor_id)
    if version is not None:
        data["version"] = str(r.version if version == "current" else version)
    data.update(changes)
    return data


def assess_data(r: Risk, period: str, likelihood, consequence, comment: str = "",
                version: int | str | None = "current") -> dict:
    data = {"period": period, "likelihood": str(likelihood), "consequence": str(consequence),
            "comment": comment}
    if version is not None:
        data["version"] = str(r.version if version == "current" else version)
    return data


def new_risk_data(kind: str = "unit", owner_email: str = NLL_OWNER, org: str = "NLL",
                  **changes) -> dict:
    data = {"kind": kind, "plan_id": str(plan_of(org).id), "number": "",
            "owner_id": str(user(owner_email).id), "success_factor_id": "",
            "title": "Testdata läcker ut", "event": "Risk för att testdata läcker ut",
            "consequence_text": "", "cause": "",
            "mitigation": "", "control_method": "", "handling_question": "Följs rutinen?",
            "handling_type": "control", "method": "Stickprov", "period": "",
            "likelihood": "", "consequence": ""}
    data.update(changes)
    return data


# -- many risks, quickly ------------------------------------------------------------------
def add_risks(count: int, unit_code: str = "NLL-RS", owner_email: str = NLL_OWNER,
              org: str = "NLL", period: str = "2022-T1", event_text: str = "Massrisk"
              ) -> list[int]:
    """``count`` unit risks with one assessment each, by two Core inserts (same transaction
    as the test). Returns their ids."""
    plan = plan_of(org)
    target = unit(unit_code)
    owner = user(owner_email)
    start = (db.session.scalar(select(func.max(Risk.number)).where(Risk.plan_id == plan.id))
             or 0) + 1
    numbers = range(start, start + count)
    db.session.execute(insert(Risk.__table__), [
        {"kind": "unit", "plan_id": plan.id, "number": n, "unit_id": target.id,
         "owner_id": owner.id, "title": f"{event_text} {n}", "event": f"{event_text} {n}",
         "handling_type": "control",
         "version": 1}
        for n in numbers])
    ids = dict(db.session.execute(select(Risk.number, Risk.id).where(
        Risk.plan_id == plan.id, Risk.number >= start)).all())
    p = Period.parse(period)
    db.session.execute(insert(RiskAssessment.__table__), [
        {"risk_id": ids[n], "period": p, "likelihood": 1 + n % 4, "consequence": 1 + (n // 4) % 4,
         "value": (1 + n % 4) * (1 + (n // 4) % 4), "assessed_by_id": owner.id}
        for n in numbers])
    state.rebuild()  # bulk rows bypass the services: derive their stored state
    db.session.expire_all()
    return [ids[n] for n in numbers]


def assert_state_consistent() -> None:
    """What ``flask check-state`` checks: the stored state of every risk per period
    (risk_state) equals the state recomputed from the assessments. Every test of a write
    path calls it after the write."""
    found = state.differences()
    assert not found, found[:5]
