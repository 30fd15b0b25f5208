"""Today and the current tertial (RISKREG_TODAY may fix "today" for demos and tests)."""

from __future__ import annotations

from datetime import date

from flask import current_app, has_app_context

from .domain.periods import Period


def today() -> date:
    fixed = current_app.config.get("RISKREG_TODAY") if has_app_context() else None
    return date.fromisoformat(fixed) if fixed else date.today()


def current_period() -> Period:
    return Period.containing(today())
