"""Reads of the pack's own: its cover and the matrices of the subtree. The matrices,
lists, findings, follow-ups and KPI table are the owning features' query functions
(heatmaps, findings, measures, kpis); nothing here repeats their SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..domain.matrix import Scale
from ..domain.periods import Period
from ..extensions import db
from ..heatmaps import queries as heatmaps
from ..models.org import Unit
from ..models.users import User


@dataclass(frozen=True)
class Cover:
    organisation: Unit  # the root of the unit's tree (the region)
    board: Unit | None  # the nearest board or committee at or above the unit


def cover(unit: Unit) -> Cover:
    """The unit's organisation and board: one statement over its ancestors (read from
    the unit's path)."""
    ids = unit.ancestor_ids
    found = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    chain = [found[i] for i in ids if i in found]
    board = next((u for u in reversed(chain) if u.kind == "board"), None)
    return Cover(organisation=chain[0] if chain else unit, board=board)


def division_matrices(user: User, unit: Unit, period: Period, scale: Scale,
                      whole: heatmaps.Matrix) -> list[heatmaps.Matrix]:
    """The matrix of each readable unit directly beneath ``unit`` (with its subtree) that
    holds risks in ``period``. A division that holds every risk of the whole would repeat
    the whole's matrix, so it is left out too. One aggregate per division
    (heatmaps.queries.matrix, as on the board view)."""
    out = []
    for child in heatmaps.divisions(user, unit):
        m = heatmaps.matrix(user, child, period, scale, True)
        if m.total and m.total != whole.total:
            out.append(m)
    return out
