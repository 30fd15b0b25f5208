"""The organisation tree: region → board/committee → division → area/unit.

Stored as a materialised path ("/1/4/17/"): "this unit and everything beneath
it" is one indexed prefix comparison in a single statement on SQLite and
PostgreSQL alike, without recursion; ancestors are read from the path itself.
Moving a subtree (rare) rewrites the paths beneath it in one UPDATE.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

UNIT_KINDS = ("region", "board", "division", "unit")


class Unit(db.Model):
    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint("kind IN ('region', 'board', 'division', 'unit')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # Byte-wise ("C") collation on PostgreSQL, so that the prefix range below is exact
    # whatever the server's locale (a linguistic collation may ignore the '/').
    path: Mapped[str] = mapped_column(
        String(400).with_variant(String(400, collation="C"), "postgresql"),
        index=True, default="",
    )
    depth: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to and including this unit."""
        return [int(p) for p in self.path.strip("/").split("/") if p]

    @property
    def root_id(self) -> int:
        return self.ancestor_ids[0]

    def is_within(self, other: Unit) -> bool:
        """True when this unit is ``other`` or lies beneath it."""
        return self.path.startswith(other.path)

    @staticmethod
    def subtree_clause(path: str):
        """SQL condition: units whose path starts with ``path`` (prefix range, index-friendly)."""
        return Unit.prefix_clause(Unit.path, path)

    @staticmethod
    def prefix_clause(column, path: str):
        """SQL condition: ``column`` (a unit path, or a copy of one) starts with ``path``."""
        # '/' is followed by '0' in ASCII, so [path, path + '0') is exactly the prefix range.
        return and_(column >= path, column < path[:-1] + "0")

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
