"""The start page's "what next" steps and panels, contributed by each feature."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from ..auth.permissions import is_admin


@dataclass
class Step:
    label: str
    url: str | None = None
    detail: str | None = None


@dataclass
class Panel:
    template: str
    data: dict[str, Any] = field(default_factory=dict)


StepProvider = Callable[[Any, Any], list[Step]]
PanelProvider = Callable[[Any, Any], list[Panel]]
_STEPS: list[StepProvider] = []
_PANELS: list[PanelProvider] = []


def step_provider(fn: StepProvider) -> StepProvider:
    if fn not in _STEPS:
        _STEPS.append(fn)
    return fn


def panel_provider(fn: PanelProvider) -> PanelProvider:
    if fn not in _PANELS:
        _PANELS.append(fn)
    return fn


def steps_for(user, page) -> list[Step]:
    return [s for provider in _STEPS for s in provider(user, page)]


def panels_for(user, page) -> list[Panel]:
    return [p for provider in _PANELS for p in provider(user, page)]


@step_provider
def _admin_steps(user, page) -> list[Step]:
    if not is_admin(user):
        return []
    return [
        Step(_("Add or rename organisation units"), url_for("admin.index")),
        Step(_("Add users and assign roles"), url_for("admin.users")),
    ]
