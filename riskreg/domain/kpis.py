"""KPI follow-up rules: reading a target, goal fulfilment and the trend arrow.

Plain Python (no Flask, no database). A target is stored per year as the text the plan
prints (``70 %``, ``7%``, ``850 st``, ``Öka``, ``Minska``, ``100 % i dec``,
``Minska med 50 % jmf 2020`` …). :func:`parse_target` reads what can be computed from it:
a number (or percentage), or a bare direction *Öka*/*Minska*. Anything else
(a relative target, one value per sex, prose) is left to a person: fulfilment is then
set by hand with a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class TargetKind(StrEnum):
    NUMBER = "number"
    PERCENT = "percent"
    INCREASE = "increase"  # Öka: better than the previous outcome
    DECREASE = "decrease"  # Minska
    OTHER = "other"  # not computable


class Direction(StrEnum):
    """Which way is better for a number target (a KPI property)."""

    HIGHER = "higher"  # the outcome should reach at least the target
    LOWER = "lower"  # the outcome should stay at most at the target


class Fulfilment(StrEnum):
    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"


class Trend(StrEnum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"


TREND_ARROWS = {Trend.UP: "↑", Trend.DOWN: "↓", Trend.FLAT: "→"}

# An optional sign, digits with Swedish thousands spaces, an optional decimal part.
_NUMBER = re.compile(r"^\s*([+-−]?\d{1,3}(?:[  ]\d{3})+|[+-−]?\d+)(?:[,.](\d+))?\s*"
                     r"(%|st|tkr|mnkr)?(?:\s+i\s+\w+\.?)?\s*$", re.IGNORECASE)
_AT_LEAST = re.compile(r"^(?:min|minst|över|at least)\s+", re.IGNORECASE)
_AT_MOST = re.compile(r"^(?:max|högst|under|at most)\s+", re.IGNORECASE)
_INCREASE = {"öka", "ökning", "increase"}
_DECREASE = {"minska", "minskning", "decrease"}


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    value: float | None = None
    text: str = ""
    # "min 75 %", "Minst 89 %" say higher is better; "max 175", "Högst 2 %" lower
    direction: Direction | None = None

    @property
    def computable(self) -> bool:
        return self.kind is not TargetKind.OTHER


_OUTCOME = re.compile(r"^\s*([+-−]?\d{1,3}(?:[  ]\d{3})+|[+-−]?\d+)(?:[,.](\d+))?\s*%?\s*$")
MAX_ABS = 1e12


def parse_number(text: str | None) -> float | None:
    """An outcome as Swedes write it (``19,3``, ``8 520``, ``−2``, ``51 %``); None when
    it is not a number (or an absurdly large one)."""
    match = _OUTCOME.match(text or "")
    if not match:
        return None
    value = _to_float(match)
    return value if abs(value) < MAX_ABS else None


def _to_float(match: re.Match) -> float:
    whole = re.sub(r"[  ]", "", match.group(1)).replace("−", "-")
    return float(f"{whole}.{match.group(2)}" if match.group(2) else whole)


def parse_target(text: str | None) -> Target | None:
    """What a target text means for computing fulfilment (None when there is no target).
    ``100 % i dec`` is 100 % (the month it is due in is kept in the text only)."""
    if text is None or not text.strip():
        return None
    clean = text.strip()
    word = clean.rstrip(".").lower()
    if word in _INCREASE:
        return Target(TargetKind.INCREASE, None, clean)
    if word in _DECREASE:
        return Target(TargetKind.DECREASE, None, clean)
    direction = None
    number = clean
    if _AT_LEAST.match(clean):
        direction, number = Direction.HIGHER, _AT_LEAST.sub("", clean)
    elif _AT_MOST.match(clean):
        direction, number = Direction.LOWER, _AT_MOST.sub("", clean)
    match = _NUMBER.match(number)
    if match:
        kind = TargetKind.PERCENT if match.group(3) == "%" else TargetKind.NUMBER
        return Target(kind, _to_float(match), clean, direction)
    return Target(TargetKind.OTHER, None, clean)


def target_for_year(targets: dict[str, str] | None, year: int) -> str | None:
    """The target text that applies in ``year``: that year's own, else the next later
    year's (a plan sets targets for some years only; the next one is what the year works
    towards), else None."""
    if not targets:
        return None
    if str(year) in targets:
        return targets[str(year)]
    later = sorted(int(y) for y in targets if y.isdigit() and int(y) > year)
    return targets[str(later[0])] if later else None


def compute_fulfilment(target: Target | None, direction: Direction | str | None,
                       outcome: float | None, previous: float | None) -> Fulfilment | None:
    """Goal fulfilment where the target allows it, else None (then a person decides).

    * a number or percentage needs a direction (the target's own, "min 75 %", or else
      the KPI's): reached (at least / at most
      the target) is *met*, otherwise *not met*;
    * *Öka* / *Minska* compares with the previous outcome: better is *met*, the same or
      worse is *not met*; without a previous outcome nothing can be said.
    """
    if target is None or outcome is None or not target.computable:
        return None
    if target.kind is TargetKind.INCREASE or target.kind is TargetKind.DECREASE:
        if previous is None:
            return None
        better = outcome > previous if target.kind is TargetKind.INCREASE else outcome < previous
        return Fulfilment.MET if better else Fulfilment.NOT_MET
    direction = target.direction or direction
    if direction is None or target.value is None:
        return None
    if Direction(direction) is Direction.HIGHER:
        return Fulfilment.MET if outcome >= target.value else Fulfilment.NOT_MET
    return Fulfilment.MET if outcome <= target.value else Fulfilment.NOT_MET


def compute_trend(outcome: float | None, previous: float | None) -> Trend | None:
    """The arrow beside an outcome: up, down or level against the previous outcome
    (None when either is missing). It says which way the figure moved, not whether that
    is good: the fulfilment says that."""
    if outcome is None or previous is None:
        return None
    if outcome > previous:
        return Trend.UP
    if outcome < previous:
        return Trend.DOWN
    return Trend.FLAT


def comparable_value(total: float | None, women: float | None, men: float | None
                     ) -> float | None:
    """The figure fulfilment and trend use: the total. (A KPI split by sex without a
    total is judged by hand: adding K and M is wrong for shares.)"""
    return total


FULFILMENTS_BY_HAND = tuple(f.value for f in Fulfilment)
