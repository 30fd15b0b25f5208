"""The risk matrix: scales, risk value, bands and the action threshold.

Risk value = likelihood × consequence. Bands divide 1..size² into named,
coloured intervals. Every organisation may configure its own scale; the default
reproduces the 4×4 scale of Region Sörmland and Region Norrbotten.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class ScaleError(ValueError):
    """A scale configuration that cannot be used."""


def risk_value(likelihood, consequence):
    """Risk value = likelihood × consequence: the one definition of it. Works on plain
    integers and on SQL expressions alike (the queries build their value from here); the
    database's CHECK constraint ``value = likelihood * consequence`` guards the stored
    column."""
    return likelihood * consequence


@dataclass(frozen=True)
class Band:
    name: str
    low: int
    high: int
    colour: str

    def contains(self, value: int) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Scale:
    size: int
    likelihood_labels: tuple[str, ...]
    consequence_labels: tuple[str, ...]
    bands: tuple[Band, ...]
    action_threshold: int
    _errors: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def max_value(self) -> int:
        return self.size * self.size

    def value(self, likelihood: int, consequence: int) -> int:
        """The risk value; raises ScaleError outside the scale."""
        for name, step in (("likelihood", likelihood), ("consequence", consequence)):
            if not isinstance(step, int) or isinstance(step, bool) or not 1 <= step <= self.size:
                raise ScaleError(f"{name} must be an integer 1–{self.size}: {step!r}")
        return risk_value(likelihood, consequence)

    def band(self, value: int) -> Band:
        for band in self.bands:
            if band.contains(value):
                return band
        raise ScaleError(f"value outside the scale: {value}")

    def band_for(self, likelihood: int, consequence: int) -> Band:
        return self.band(self.value(likelihood, consequence))

    def band_range(self, name: str | None) -> tuple[int, int] | None:
        """(lowest, highest) value of the band called ``name`` (for SQL filters)."""
        for band in self.bands:
            if band.name == name:
                return band.low, band.high
        return None

    def requires_action(self, value: int) -> bool:
        return value >= self.action_threshold

    def likelihood_label(self, step: int) -> str:
        return self.likelihood_labels[step - 1]

    def consequence_label(self, step: int) -> str:
        return self.consequence_labels[step - 1]

    def band_summary(self, values: Iterable[int]) -> list[tuple[Band, int]]:
        """Count per band, highest band first (as 004 writes it)."""
        counts = Counter(self.band(v).name for v in values)
        return [(b, counts.get(b.name, 0)) for b in sorted(self.bands, key=lambda b: -b.low)]

    def to_dict(self) -> dict:
        return {
            "size": self.size,
            "likelihood_labels": list(self.likelihood_labels),
            "consequence_labels": list(self.consequence_labels),
            "bands": [
                {"name": b.name, "low": b.low, "high": b.high, "colour": b.colour}
                for b in self.bands
            ],
            "action_threshold": self.action_threshold,
        }


def format_band_summary(summary: list[tuple[Band, int]], total_word: str = "Totalt") -> str:
    """``1 Hög 3 Medel 1 Låg | Totalt: 5`` — bands with no risks are left out."""
    parts = [f"{n} {band.name}" for band, n in summary if n]
    total = sum(n for _, n in summary)
    return f"{' '.join(parts)} | {total_word}: {total}" if parts else f"{total_word}: 0"


def N_(text: str) -> str:
    """Marks a message for translation without translating it (the domain knows no locale)."""
    return text


@dataclass(frozen=True)
class ScaleProblem:
    """One problem with a scale: a message template and its values, translated by the caller."""

    template: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % self.params


def validate_scale(
    size: int,
    likelihood_labels: list[str],
    consequence_labels: list[str],
    bands: list[dict],
    action_threshold: int,
) -> list[ScaleProblem]:
    """Every problem with a scale configuration (empty = valid)."""
    P = ScaleProblem
    if not isinstance(size, int) or not 2 <= size <= 10:
        return [P(N_("The matrix size must be between 2 and 10."))]
    errors: list[ScaleProblem] = []
    max_value = size * size
    if len(likelihood_labels) != size or any(not str(x).strip() for x in likelihood_labels):
        errors.append(P(N_("Give exactly %(size)d likelihood labels, none empty."), {"size": size}))
    if len(consequence_labels) != size or any(not str(x).strip() for x in consequence_labels):
        errors.append(
            P(N_("Give exactly %(size)d consequence labels, none empty."), {"size": size})
        )
    if not bands:
        errors.append(P(N_("Give at least one band.")))
    names = [str(b.get("name", "")).strip() for b in bands]
    if any(not n for n in names):
        errors.append(P(N_("Every band needs a name.")))
    if len(set(names)) != len(names):
        errors.append(P(N_("Band names must be unique.")))
    for b in bands:
        name = str(b.get("name", ""))
        if not _COLOUR.match(str(b.get("colour", ""))):
            errors.append(P(N_("Band %(name)s: the colour must be #rrggbb."), {"name": name}))
        low, high = b.get("low"), b.get("high")
        if not isinstance(low, int) or not isinstance(high, int) or low > high:
            errors.append(
                P(N_("Band %(name)s: the limits must be whole numbers, low ≤ high."),
                  {"name": name})
            )
    if errors:
        return errors
    expected = 1
    for b in sorted(bands, key=lambda b: b["low"]):
        if b["low"] > expected:
            errors.append(P(N_("No band covers %(low)d–%(high)d."),
                            {"low": expected, "high": b["low"] - 1}))
        elif b["low"] < expected:
            errors.append(P(N_("Band %(name)s overlaps the band below it."), {"name": b["name"]}))
        expected = max(expected, b["high"] + 1)
    if expected <= max_value:
        errors.append(P(N_("No band covers %(low)d–%(high)d."),
                        {"low": expected, "high": max_value}))
    elif expected > max_value + 1:
        errors.append(P(N_("The bands go beyond the highest value %(max)d."), {"max": max_value}))
    if not isinstance(action_threshold, int) or not 1 <= action_threshold <= max_value:
        errors.append(P(N_("The action threshold must be between 1 and %(max)d."),
                        {"max": max_value}))
    return errors


def build_scale(
    size: int,
    likelihood_labels: list[str],
    consequence_labels: list[str],
    bands: list[dict],
    action_threshold: int,
) -> Scale:
    """A validated Scale; raises ScaleError listing every problem."""
    errors = validate_scale(size, likelihood_labels, consequence_labels, bands, action_threshold)
    if errors:
        raise ScaleError("; ".join(str(e) for e in errors))
    return Scale(
        size=size,
        likelihood_labels=tuple(likelihood_labels),
        consequence_labels=tuple(consequence_labels),
        bands=tuple(
            Band(b["name"], b["low"], b["high"], b["colour"])
            for b in sorted(bands, key=lambda b: b["low"])
        ),
        action_threshold=action_threshold,
    )


DEFAULT_SCALE_CONFIG: dict = {
    "size": 4,
    "likelihood_labels": ["Mycket liten", "Liten", "Stor", "Mycket stor"],
    "consequence_labels": ["Mindre", "Måttlig", "Betydande", "Allvarlig"],
    "bands": [
        {"name": "Låg", "low": 1, "high": 3, "colour": "#4caf50"},
        {"name": "Medel", "low": 4, "high": 8, "colour": "#ffeb3b"},
        {"name": "Hög", "low": 9, "high": 12, "colour": "#ff9800"},
        {"name": "Mycket hög", "low": 13, "high": 16, "colour": "#e53935"},
    ],
    "action_threshold": 9,
}

DEFAULT_SCALE = build_scale(**DEFAULT_SCALE_CONFIG)
