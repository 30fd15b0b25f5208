"""The reproducible sample: which items of a population a control run checks.

Algorithm ``sha256-v1`` (documented in README.md, "Re-drawing a sample"), chosen so that
an auditor can re-draw the same items outside the app with nothing but SHA-256:

1. The population is the list of items in the order they were given (pasted lines, or
   the cells of the chosen column from top to bottom), each item trimmed of surrounding
   white space, empty items left out. Items are numbered from 0 in that order.
2. For each item ``i`` with text ``t`` the key is the hexadecimal SHA-256 of the UTF-8
   bytes of ``"<seed>:<i>:<t>"``.
3. The items are ordered by (key, i); the first ``n`` are the sample, in that order.

The seed is recorded with the run, so the draw is repeatable: the same population, seed
and size always give the same items, on any machine, in any language with SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

ALGORITHM = "sha256-v1"
MAX_POPULATION = 100_000
MAX_ITEM = 500  # characters of one item


@dataclass(frozen=True)
class Drawn:
    position: int  # 0-based place in the draw
    index: int  # 0-based place in the population
    value: str


def new_seed() -> str:
    """A fresh seed: 16 hexadecimal digits from the system's secure random source."""
    return secrets.token_hex(8)


def clean_items(raw: list[str]) -> list[str]:
    """Trimmed, empty ones left out; order kept (duplicates are distinct items)."""
    return [s.strip() for s in raw if s is not None and str(s).strip()]


def key(seed: str, index: int, item: str) -> str:
    return hashlib.sha256(f"{seed}:{index}:{item}".encode()).hexdigest()


def draw(population: list[str], size: int, seed: str,
         algorithm: str = ALGORITHM) -> list[Drawn]:
    """The first ``size`` items by key (all of them when the population is smaller)."""
    if algorithm != ALGORITHM:
        raise ValueError(f"unknown sampling algorithm: {algorithm}")
    if size < 0:
        raise ValueError("sample size must not be negative")
    order = sorted(range(len(population)), key=lambda i: (key(seed, i, population[i]), i))
    return [Drawn(pos, i, population[i]) for pos, i in enumerate(order[:size])]
