"""Numbers unique per plan, handed out without a race.

Two coordinators creating risks at the same moment must each get their own number, not a
unique-constraint error. :func:`claim` first locks the plan's row in ``number_series``
(an UPDATE, so PostgreSQL holds a row lock and SQLite the write lock until the request's
commit); a concurrent creator waits there and then sees the number just taken. A number the
user chose is checked under the same lock. Measures, controls and control runs number
themselves with the same function."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .extensions import db
from .models.numbering import NumberSeries
from .services import ServiceError


def _lock(series: str, plan_id: int) -> int:
    """Lock the series row (making it on first use) and return its last number."""
    stmt = (update(NumberSeries)
            .where(NumberSeries.series == series, NumberSeries.plan_id == plan_id)
            .values(last=NumberSeries.last).returning(NumberSeries.last))
    last = db.session.execute(stmt).scalar()
    if last is None:  # first use: make the row (or find the one made a moment ago)
        dialect = db.session.get_bind().dialect.name
        make = postgresql_insert if dialect == "postgresql" else sqlite_insert
        db.session.execute(make(NumberSeries).values(series=series, plan_id=plan_id, last=0)
                           .on_conflict_do_nothing())
        last = db.session.execute(stmt).scalar()
    return last or 0


def claim(model, plan_id: int, wanted: int | None = None, *, series: str | None = None
          ) -> int:
    """A free number of ``model`` (with ``plan_id`` and ``number`` columns) in the plan:
    ``wanted`` if it is free (else a form error), or the next after every number used."""
    series = series or model.__tablename__
    last = _lock(series, plan_id)
    if wanted is not None:
        taken = db.session.scalar(select(model.id).where(model.plan_id == plan_id,
                                                         model.number == wanted))
        if taken is not None:
            raise ServiceError(_("Number %(n)d is already used in this plan.", n=wanted),
                               "number")
        number = wanted
    else:
        highest = db.session.scalar(select(func.max(model.number))
                                    .where(model.plan_id == plan_id)) or 0
        number = max(last, highest) + 1
    if number > last:
        db.session.execute(update(NumberSeries)
                           .where(NumberSeries.series == series,
                                  NumberSeries.plan_id == plan_id)
                           .values(last=number))
    return number
