"""A risk's texts: the one list of them, shared by the service, the forms, the seed and
the exports."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

TITLE_MAX = 120  # the form's limit; the column holds 200


@dataclass
class RiskTexts:
    event: str
    title: str | None = None  # required by the service; None only in an unfinished form
    consequence_text: str | None = None
    cause: str | None = None
    mitigation: str | None = None
    control_method: str | None = None
    handling_question: str | None = None
    handling_type: str | None = None
    method: str | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> RiskTexts:
        return cls(**{name: values.get(name) for name in TEXT_FIELDS})

    @classmethod
    def from_form(cls, form) -> RiskTexts:
        return cls(**{name: getattr(form, name).data for name in TEXT_FIELDS})


TEXT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(RiskTexts))


def short_title(event: str) -> str:
    """A title drawn from the event text: its first sentence, cut at a word within
    TITLE_MAX characters (migration 0008 backfills existing risks the same way)."""
    text = " ".join((event or "").split())
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".") or "–"
    if len(first) <= TITLE_MAX:
        return first
    cut = first[:TITLE_MAX - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
