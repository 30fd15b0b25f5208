"""The start page's "what next" steps and panels, contributed by each feature and named in
``create_app``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, url_for
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
EXTENSION = "riskreg.start_page"


@dataclass(frozen=True)
class StartPageParts:
    steps: tuple[StepProvider, ...]
    panels: tuple[PanelProvider, ...]


def init_start_page(app: Flask, steps: list[StepProvider], panels: list[PanelProvider]
                    ) -> None:
    app.extensions[EXTENSION] = StartPageParts(tuple(steps), tuple(panels))


def steps_for(user, page) -> list[Step]:
    parts: StartPageParts = current_app.extensions[EXTENSION]
    return [s for provider in parts.steps for s in provider(user, page)]


def panels_for(user, page) -> list[Panel]:
    parts: StartPageParts = current_app.extensions[EXTENSION]
    return [p for provider in parts.panels for p in provider(user, page)]


def admin_steps(user, page) -> list[Step]:
    if not is_admin(user):
        return []
    return [
        Step(_("Add or rename organisation units"), url_for("admin.index")),
        Step(_("Add users and assign roles"), url_for("admin.users")),
    ]
