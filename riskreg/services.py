"""Shared service plumbing: the error a service raises for a user-facing refusal."""

from __future__ import annotations


class ServiceError(ValueError):
    """A rule refused the change; ``message`` is shown to the user (already translated)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
