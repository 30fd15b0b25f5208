"""The risk scale an organisation (a root unit) uses."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.matrix import Scale, build_scale
from ..extensions import db

DEFAULT_REASSESS_DAYS = 14


class RiskScale(db.Model):
    __tablename__ = "risk_scale"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), unique=True)
    size: Mapped[int]
    likelihood_labels: Mapped[list] = mapped_column(JSON)
    consequence_labels: Mapped[list] = mapped_column(JSON)
    bands: Mapped[list] = mapped_column(JSON)
    action_threshold: Mapped[int]
    # Days after a tertial ends by which its re-assessments are due (the organisation's rule).
    reassess_days: Mapped[int] = mapped_column(default=DEFAULT_REASSESS_DAYS,
                                               server_default=str(DEFAULT_REASSESS_DAYS))
    # Optimistic locking: the scale editor's form carries the version it was based on.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    def to_domain(self) -> Scale:
        return build_scale(
            self.size,
            list(self.likelihood_labels),
            list(self.consequence_labels),
            list(self.bands),
            self.action_threshold,
        )

    def as_config(self) -> dict:
        return self.to_domain().to_dict()
