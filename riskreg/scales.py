"""The one reader of an organisation's risk scale.

Every organisation (a root unit) has at most one stored scale; one that has none (made
before scales existed) uses the default. Reading never writes: the stored row is made
when an administrator first saves the organisation's scale."""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import bindparam, select

from .domain.matrix import DEFAULT_SCALE, Scale
from .extensions import db
from .models.org import Unit
from .models.scale import DEFAULT_REASSESS_DAYS, RiskScale

_STORED = select(RiskScale).where(RiskScale.unit_id == bindparam("root_id"))  # built once


def stored_scale(root_id: int) -> RiskScale | None:
    return db.session.scalar(_STORED, {"root_id": root_id})


def scale_for_root(root_id: int) -> Scale:
    return scale_and_deadline(root_id)[0]


def scale_and_deadline(root_id: int) -> tuple[Scale, int]:
    """The organisation's scale and its re-assessment deadline (days after a tertial), in
    one read: once per GET request (a page of several matrices and findings asks again
    for each; a GET changes no scale)."""
    cache = None
    if has_request_context() and request.method in ("GET", "HEAD"):
        # on the request itself: ``g`` lives as long as the application context, which
        # a request shares with an outer one (a CLI command, the benchmarks, a test)
        cache = vars(request._get_current_object()).setdefault("_riskreg_scales", {})
        if root_id in cache:
            return cache[root_id]
    row = stored_scale(root_id)
    found = ((DEFAULT_SCALE, DEFAULT_REASSESS_DAYS) if row is None
             else (row.to_domain(), row.reassess_days))
    if cache is not None:
        cache[root_id] = found
    return found


def scale_for_unit(unit: Unit) -> Scale:
    return scale_for_root(unit.root_id)
