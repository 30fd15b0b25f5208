"""The status scale of measures, per organisation (root unit).

The default is 000's symbols in the order the source prints them (▲ ● ■ ◆ ◇). The source
gives the symbols only; the meanings are ours, chosen from how 000 uses them: ▲ stands
beside the measures whose comments say they are hard to carry out now (17, 25), ● beside
work going on, ◇ beside a measure not yet under way (8); ■ and ◆ are not used in the
follow-up and were given "paused" and "done" (the one that means finished).
"""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models.measures import MeasureStatus

# (code, symbol, label, colour, means finished)
DEFAULT_STATUSES = [
    ("at_risk", "▲", "Försenad eller i risk", "#c62828", False),
    ("on_track", "●", "Pågår enligt plan", "#2e7d32", False),
    ("paused", "■", "Vilande", "#ef6c00", False),
    ("done", "◆", "Genomförd", "#1565c0", True),
    ("not_started", "◇", "Ej påbörjad", "#757575", False),
]


def statuses_for_root(root_id: int) -> list[MeasureStatus]:
    return list(db.session.scalars(select(MeasureStatus).where(MeasureStatus.unit_id == root_id)
                                   .order_by(MeasureStatus.position, MeasureStatus.id)))


def ensure_default(root_id: int) -> list[MeasureStatus]:
    """The organisation's scale, made from the default when it has none yet (a write:
    called by services only, e.g. when an organisation gets its first measure)."""
    statuses = statuses_for_root(root_id)
    if statuses:
        return statuses
    for pos, (code, symbol, label, colour, done) in enumerate(DEFAULT_STATUSES):
        db.session.add(MeasureStatus(unit_id=root_id, code=code, symbol=symbol, label=label,
                                     colour=colour, means_finished=done, position=pos))
    db.session.flush()
    return statuses_for_root(root_id)


def by_code(root_id: int, code: str | None) -> MeasureStatus | None:
    if not code:
        return None
    return db.session.scalar(select(MeasureStatus).where(MeasureStatus.unit_id == root_id,
                                                         MeasureStatus.code == code))
