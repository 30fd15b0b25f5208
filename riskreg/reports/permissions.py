"""Who may export and import spreadsheets.

Every signed-in user may export what they can read (the exports use the pages' scoped
queries). Importing writes risks and measures: coordinators only, into units where they
manage risks (and measures); risk owners and board members (Ledamot) cannot import."""

from __future__ import annotations

from ..auth.permissions import is_coordinator
from ..measures.permissions import can_manage_measures_in
from ..models.org import Unit
from ..models.users import User
from ..risks.permissions import can_manage_risks_in


def can_import(user: User) -> bool:
    return user.is_authenticated and is_coordinator(user)


def can_import_into(user: User, unit: Unit, layout: str) -> bool:
    if layout == "measures":
        return can_manage_measures_in(user, unit)
    return can_manage_risks_in(user, unit)
