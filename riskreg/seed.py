"""Load the demo data in ``seed/`` (YAML drawn from the source documents).

Idempotent: every object is looked up by its natural key first, so a second run
changes nothing and records no audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, current_app
from sqlalchemy import select

from . import audit
from .admin import services as admin_services
from .domain.periods import Period
from .extensions import db
from .kpis import services as kpi_services
from .labels import role_label
from .models.org import Unit
from .models.plan import Kpi, KpiOutcome, Perspective, Plan, StrategicGoal, SuccessFactor
from .models.users import RoleAssignment, User
from .uow import transaction

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
ORG_FILES = ("org_norrbotten.yaml", "org_sormland.yaml", "org_orebro.yaml")
DEMO_PASSWORD = "riskreg-demo-2026"  # nosec B105: the published demo logins' password


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, kind: str, n: int = 1) -> None:
        self.created[kind] = self.created.get(kind, 0) + n


def load_yaml(name: str, seed_dir: Path = SEED_DIR) -> dict[str, Any]:
    with open(seed_dir / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def _get_or_create(model, report: SeedReport, label: str, where: dict, **values):
    obj = db.session.scalar(select(model).filter_by(**where))
    if obj is None:
        obj = model(**where, **values)
        db.session.add(obj)
        db.session.flush()
        report.add(label)
    return obj


def _units(node: dict, parent: Unit | None, report: SeedReport) -> None:
    unit = db.session.scalar(select(Unit).where(Unit.code == node["code"]))
    if unit is None:
        unit = admin_services.add_unit(None, parent, node["code"], node["name"], node["kind"])
        report.add("units")
    for child in node.get("children") or []:
        _units(child, unit, report)


def _plan(data: dict, report: SeedReport) -> None:
    owner = db.session.scalar(select(Unit).where(Unit.code == data["unit"]))
    plan = _get_or_create(Plan, report, "plans", {"unit_id": owner.id, "name": data["name"]},
                          start_year=data["start_year"], end_year=data["end_year"])
    pending: list[tuple[Kpi, dict]] = []  # outcomes, loaded once every KPI is there
    for p_pos, p in enumerate(data.get("perspectives") or []):
        persp = _get_or_create(Perspective, report, "perspectives",
                               {"plan_id": plan.id, "name": p["name"]}, position=p_pos)
        for g_pos, g in enumerate(p.get("goals") or []):
            goal = _get_or_create(StrategicGoal, report, "goals",
                                  {"perspective_id": persp.id, "name": g["name"]},
                                  position=g_pos)
            for s_pos, sf in enumerate(g.get("success_factors") or []):
                factor = _get_or_create(SuccessFactor, report, "success_factors",
                                        {"goal_id": goal.id, "name": sf["name"]},
                                        position=s_pos)
                for k in sf.get("kpis") or []:
                    pending += _kpi(plan, factor, k, report)
    for k in data.get("kpis") or []:  # KPIs not tied to a success factor
        pending += _kpi(plan, None, k, report)
    # Whose figures the outcomes are (a division's, under a regional plan): the plan's
    # ``outcomes_unit`` unless an outcome names its own ``unit``.
    plan_outcome_unit = data.get("outcomes_unit") or data["unit"]
    for kpi, o in pending:
        _outcome(kpi, o, o.get("unit") or plan_outcome_unit, report)


_KIND = {"styrmått": "styrmatt", "kontrollmått": "kontrollmatt",
         "styrmatt": "styrmatt", "kontrollmatt": "kontrollmatt"}


def _kpi(plan: Plan, factor: SuccessFactor | None, k: dict, report: SeedReport
         ) -> list[tuple[Kpi, dict]]:
    kpi = _get_or_create(
        Kpi, report, "kpis", {"plan_id": plan.id, "name": k["name"]},
        success_factor_id=factor.id if factor else None,
        kind=_KIND.get(k.get("kind") or "styrmått", "styrmatt"),
        baseline=_text(k.get("baseline")), source=_text(k.get("source")),
        follow_up=list(k.get("follow_up") or []),
        targets={str(y): _text(t) for y, t in (k.get("targets") or {}).items()},
        direction=k.get("direction"),
        split_by_sex=k.get("split_by_sex", any(
            o.get("women") is not None or o.get("men") is not None
            for o in k.get("outcomes") or [])),
        position=len(factor.kpis) if factor is not None else 0,
    )
    # In period order, so that Öka/Minska compare with the outcome before.
    outcomes = sorted(k.get("outcomes") or [], key=lambda o: Period.parse(str(o["period"])))
    return [(kpi, o) for o in outcomes]


def _outcome(kpi: Kpi, o: dict, unit_code: str, report: SeedReport) -> None:
    """An outcome as the source gives it; its fulfilment computed where the target allows
    (through the service, as a coordinator's would be); the marks the source printed kept
    beside it."""
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    period = Period.parse(str(o["period"]))
    exists = db.session.scalar(select(KpiOutcome.id).where(
        KpiOutcome.kpi_id == kpi.id, KpiOutcome.unit_id == unit.id, KpiOutcome.period == period))
    if exists is not None:
        return
    saved = kpi_services.record_outcome(None, kpi, unit, kpi_services.OutcomeInput(
        period=period, total=_num(o.get("total")), women=_num(o.get("women")),
        men=_num(o.get("men"))), None)
    saved.fulfilment, saved.trend = _text(o.get("fulfilment")), o.get("trend")
    db.session.flush()
    report.add("kpi_outcomes")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _users(data: dict, report: SeedReport) -> None:
    for u in data.get("users") or []:
        user = db.session.scalar(select(User).where(User.email == u["email"]))
        first = u["roles"][0]
        if user is None:
            unit = db.session.scalar(select(Unit).where(Unit.code == first["unit"]))
            user = admin_services.create_user(None, u["email"], u["name"], DEMO_PASSWORD,
                                              first["role"], unit)
            report.add("users")
        for r in u["roles"]:
            unit = db.session.scalar(select(Unit).where(Unit.code == r["unit"]))
            exists = db.session.scalar(select(RoleAssignment.id).filter_by(
                user_id=user.id, role=r["role"], unit_id=unit.id))
            if exists is None:
                db.session.add(RoleAssignment(user_id=user.id, role=r["role"], unit_id=unit.id))
                audit.record(None, "role_assignment", None, "create", None,
                             {"user": user.email, "role": r["role"], "unit": unit.code},
                             unit_id=unit.id)
                report.add("role_assignments")
        report.logins.append((u["email"], ", ".join(
            f"{role_label(r['role'])}, {_unit_name(r['unit'])}" for r in u["roles"]),
            u.get("note", "")))


def _unit_name(code: str) -> str:
    return db.session.scalar(select(Unit.name).where(Unit.code == code)) or code


SeedLoader = Callable[[Path, SeedReport], None]
EXTENSION = "riskreg.seed_loaders"


def init_seed(app: Flask, loaders: list[SeedLoader]) -> None:
    """The features' loaders (risks, measures …), run in this order after the core."""
    app.extensions[EXTENSION] = tuple(loaders)


def seed_demo(seed_dir: Path = SEED_DIR) -> SeedReport:
    """Load everything in one transaction: a failure halfway leaves no partial demo data."""
    report = SeedReport()
    with transaction():
        for name in ORG_FILES:
            if not (seed_dir / name).exists():
                continue
            data = load_yaml(name, seed_dir)
            _units(data["organisation"], None, report)
            if data.get("plan"):
                _plan(data["plan"], report)
            db.session.flush()
        _users(load_yaml("users.yaml", seed_dir), report)
        for loader in current_app.extensions[EXTENSION]:
            loader(seed_dir, report)
        if report.created:
            audit.record(None, "seed", None, "seed-demo", None, dict(report.created))
    return report
