"""Loads the demo KPI–risk links (seed/kpi_links_*.yaml) idempotently, after the risks."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models.org import Unit
from ..models.plan import Kpi, KpiRiskLink, Plan
from ..models.risks import Risk
from ..seed import SeedReport, load_yaml

LINK_FILES = ("kpi_links_norrbotten.yaml",)


def load_links(seed_dir: Path, report: SeedReport) -> None:
    for name in LINK_FILES:
        if not (seed_dir / name).exists():
            continue
        data = load_yaml(name, seed_dir)
        plan = db.session.scalar(select(Plan).join(Unit, Unit.id == Plan.unit_id)
                                 .where(Unit.code == data["plan_unit"]))
        for item in data.get("links") or []:
            risk = db.session.scalar(select(Risk).where(Risk.plan_id == plan.id,
                                                        Risk.number == item["risk"]))
            for start in item["kpis"]:
                kpi = db.session.scalar(select(Kpi).where(
                    Kpi.plan_id == plan.id, Kpi.name.startswith(start, autoescape=True)))
                if kpi is None or risk is None:
                    raise ValueError(f"{name}: no KPI {start!r} or risk {item['risk']}")
                if db.session.get(KpiRiskLink, (kpi.id, risk.id)) is None:
                    db.session.add(KpiRiskLink(kpi_id=kpi.id, risk_id=risk.id))
                    audit.record(None, "kpi", kpi.id, "link", None,
                                 {"risk_id": risk.id, "risk_number": risk.number},
                                 unit_id=plan.unit_id)
                    report.add("kpi_risk_links")
        db.session.flush()
