"""What measures add to the start page (named in ``create_app``)."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from ..auth.permissions import MANAGERS, has_any_role, is_owner
from ..main.start import Step


def steps(user, page) -> list[Step]:
    out = []
    if is_owner(user):
        out.append(Step(_("Report the status of your measures for %(period)s",
                          period=str(page.period)),
                        url_for("measures.index", responsible=user.id,
                                period=str(page.period))))
    if has_any_role(user, MANAGERS):
        out.append(Step(_("Create measures and link them to risks"), url_for("measures.new")))
    return out
