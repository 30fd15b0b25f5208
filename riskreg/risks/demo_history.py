"""Invented assessment history up to today, for ``python -m riskreg.demo`` only.

The source documents stop in 2022 (Norrbotten) and 2024 (Sörmland); run on today's date
the demo would show every risk as carried forward from then and a comparison in which
nothing moved. This adds, for each active risk, one assessment per tertial from its latest
one up to the current tertial, varying the likelihood around the source value by a fixed
pattern (so some risks rise, some fall, most hold). A few risks per plan are left without
an assessment for the current tertial, so the follow-up of what is overdue has something
to show. Every row is marked ``demo`` and signed by the demo account. Idempotent: a period
that already has an assessment is skipped. Never run by the tests' or production's seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..domain.periods import Period, period_range
from ..extensions import db
from ..models.risks import Risk, RiskAssessment
from ..models.types import utcnow
from ..scales import scale_for_unit
from . import state
from .seed import demo_account
from .services import ASSESSMENT_FIELDS

# Offsets to the source likelihood, one per tertial, shifted per risk: consecutive
# tertials differ for about half the risks.
PATTERN = (0, 0, 1, 1, 0, -1)
COMMENT = "Demodata: påhittad bedömning som visar hur en uppföljning kan se ut."
LEFT_OPEN_EVERY = 5  # every fifth risk (by number) still awaits this tertial's assessment


@dataclass
class DemoHistoryReport:
    assessments: int = 0
    left_open: int = 0


def invented_step(base: int, number: int, period: Period, size: int) -> int:
    """The invented likelihood of risk ``number`` in ``period``, within 1..size."""
    offset = PATTERN[(number + period.key) % len(PATTERN)]
    return max(1, min(size, base + offset))


def awaits_assessment(number: int) -> bool:
    """Is this risk left for its owner to re-assess in the current tertial?"""
    return number % LEFT_OPEN_EVERY == 0


def _assessed_at(period: Period) -> datetime:
    """Two weeks into the tertial after ``period`` (or now, when that lies ahead)."""
    nxt = period.next().start_date + timedelta(days=13)
    moment = datetime.combine(nxt, time(10, 0))
    now = utcnow()
    return min(moment.replace(tzinfo=now.tzinfo), now)


def extend_history(today: Period) -> DemoHistoryReport:
    """Add the invented assessments up to ``today`` (the caller's transaction commits)."""
    report = DemoHistoryReport()
    signer = demo_account()
    risks = db.session.scalars(
        select(Risk).where(Risk.archived_at.is_(None))
        .options(selectinload(Risk.assessments), selectinload(Risk.unit))
        .order_by(Risk.id)).all()
    for risk in risks:
        if not risk.assessments:
            continue
        source = next((a for a in risk.assessments if not a.demo), risk.assessments[0])
        latest = risk.assessments[-1]
        if latest.period >= today:
            continue
        scale = scale_for_unit(risk.unit)
        for period in period_range(latest.period.next(), today):
            if period == today and awaits_assessment(risk.number):
                report.left_open += 1
                continue
            likelihood = invented_step(source.likelihood, risk.number, period, scale.size)
            consequence = source.consequence
            a = RiskAssessment(risk_id=risk.id, period=period, likelihood=likelihood,
                               consequence=consequence,
                               value=scale.value(likelihood, consequence), comment=COMMENT,
                               demo=True, assessed_by_id=signer.id,
                               assessed_at=_assessed_at(period))
            db.session.add(a)
            db.session.flush()
            audit.record(signer, "risk", risk.id, "assess", None,
                         audit.snapshot(a, ASSESSMENT_FIELDS), unit_id=risk.unit_id)
            report.assessments += 1
        state.refresh(risk)  # the stored state follows, as every assessment write keeps it
    return report
