"""Tertials and the reports that follow them.

A year has three tertials: T1 = Jan–Apr (reported in DÅ04), T2 = May–Aug (DÅ08),
T3 = Sep–Dec (ÅR, the annual report). Periods are stored as one integer, ``key``
(year * 3 + tertial - 1), so that "at or before" and ordering are plain integer
comparisons in SQL.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

_PATTERN = re.compile(r"^(\d{4})-T([123])$", re.ASCII)  # ASCII digits only
REPORT_NAMES = {1: "DÅ04", 2: "DÅ08", 3: "ÅR"}
_REPORT_TO_TERTIAL = {v: k for k, v in REPORT_NAMES.items()}
MIN_YEAR = 1990
MAX_YEAR = 2100


class PeriodError(ValueError):
    """A string or number that is not a period."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    tertial: int

    def __post_init__(self) -> None:
        if not (MIN_YEAR <= self.year <= MAX_YEAR):
            raise PeriodError(f"year out of range: {self.year}")
        if self.tertial not in (1, 2, 3):
            raise PeriodError(f"tertial must be 1, 2 or 3: {self.tertial}")

    # -- conversions -------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``2022-T1``; raise PeriodError on anything else."""
        match = _PATTERN.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise PeriodError(f"not a period (expected YYYY-Tn): {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def from_report(cls, year: int, report: str) -> Period:
        """``(2022, "DÅ08")`` → 2022-T2."""
        try:
            return cls(year, _REPORT_TO_TERTIAL[report])
        except KeyError as exc:
            raise PeriodError(f"unknown report name: {report!r}") from exc

    @classmethod
    def from_key(cls, key: int) -> Period:
        return cls(key // 3, key % 3 + 1)

    @classmethod
    def containing(cls, day: date) -> Period:
        """The tertial a calendar day falls in."""
        return cls(day.year, (day.month - 1) // 4 + 1)

    @property
    def key(self) -> int:
        return self.year * 3 + self.tertial - 1

    # -- navigation ------------------------------------------------------
    def previous(self) -> Period:
        return Period.from_key(self.key - 1)

    def next(self) -> Period:
        return Period.from_key(self.key + 1)

    def same_last_year(self) -> Period:
        return Period(self.year - 1, self.tertial)

    @property
    def start_date(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end_date(self) -> date:
        """The last day of the tertial (30 April, 31 August, 31 December)."""
        return date(self.year, self.last_month, monthrange(self.year, self.last_month)[1])

    def due_date(self, days_after: int) -> date:
        """When re-assessments for this tertial are due: ``days_after`` its last day."""
        return self.end_date + timedelta(days=days_after)

    # -- presentation ----------------------------------------------------
    @property
    def report_name(self) -> str:
        return REPORT_NAMES[self.tertial]

    @property
    def first_month(self) -> int:
        return (self.tertial - 1) * 4 + 1

    @property
    def last_month(self) -> int:
        return self.tertial * 4

    def __str__(self) -> str:
        return f"{self.year}-T{self.tertial}"


def period_range(first: Period, last: Period) -> list[Period]:
    return [Period.from_key(k) for k in range(first.key, last.key + 1)]
