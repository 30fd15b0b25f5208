"""A risk's texts: the one list of them, shared by the service, the forms, the seed and
the exports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass
class RiskTexts:
    event: str
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
