"""Who may read a board pack: the board reviewers and the coordinators of the unit (or of
a unit above it). Others who read the unit get 403; a unit out of reach is 404 before this
rule is asked (web.unit_arg)."""

from __future__ import annotations

from ..auth.permissions import MANAGERS, has_role_over
from ..domain.roles import Role
from ..models.org import Unit
from ..models.users import User

PACK_READERS = frozenset({Role.BOARD, *MANAGERS})


def can_read_board_pack(user: User, unit: Unit) -> bool:
    return has_role_over(user, PACK_READERS, unit)
