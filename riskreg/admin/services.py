"""Administration: organisation units, users and role assignments, the risk scale.

Services flush; the request's unit of work (uow.py) commits."""

from __future__ import annotations

import re

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import audit
from ..auth import passwords
from ..auth.permissions import (
    PermissionDenied,
    can_administer_scale,
    can_administer_unit,
    forget_grants,
    require,
)
from ..auth.services import new_session_token, normalise_email
from ..domain.matrix import DEFAULT_SCALE_CONFIG, Scale, build_scale, validate_scale
from ..domain.roles import Role
from ..extensions import db
from ..models.org import UNIT_KINDS, Unit
from ..models.scale import RiskScale
from ..models.users import RoleAssignment, User
from ..scales import stored_scale
from ..services import ServiceError
from ..versioning import StaleVersion, check_version
from ..versioning import flush as versioning_flush

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
UNIT_FIELDS = ("code", "name", "kind", "parent_id")
SCALE_FIELDS = ("size", "likelihood_labels", "consequence_labels", "bands", "action_threshold",
                "reassess_days")
MAX_REASSESS_DAYS = 120


# -- units -----------------------------------------------------------------
def _check_code(code: str, unit_id: int | None = None) -> str:
    code = code.strip().upper()
    if not CODE_PATTERN.match(code):
        raise ServiceError(_("Use 1–20 characters: A–Z, digits and hyphens."), "code")
    clash = db.session.scalar(select(Unit.id).where(Unit.code == code))
    if clash is not None and clash != unit_id:
        raise ServiceError(_("Another unit already has the code %(code)s.", code=code), "code")
    return code


def _check_kind(kind: str) -> str:
    if kind not in UNIT_KINDS:
        raise ServiceError(_("Unknown kind of unit."), "kind")
    return kind


def add_unit(actor: User | None, parent: Unit | None, code: str, name: str, kind: str) -> Unit:
    """A new unit beneath ``parent`` (a new organisation root when parent is None: CLI only).

    ``actor`` None is the command line, which has no web scope."""
    if actor is not None and (parent is None or not can_administer_unit(actor, parent)):
        raise PermissionDenied()
    name = name.strip()
    if not name:
        raise ServiceError(_("This field is required."), "name")
    unit = Unit(
        code=_check_code(code), name=name, kind=_check_kind(kind),
        parent_id=parent.id if parent else None, depth=(parent.depth + 1) if parent else 0,
    )
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    if parent is None:
        db.session.add(RiskScale(unit_id=unit.id, **DEFAULT_SCALE_CONFIG))
    audit.record(actor, "unit", unit.id, "create", None, audit.snapshot(unit, UNIT_FIELDS),
                 unit_id=unit.id)
    db.session.flush()
    return unit


def update_unit(actor: User, unit: Unit, code: str, name: str, kind: str) -> Unit:
    require(can_administer_unit(actor, unit))
    name = name.strip()
    if not name:
        raise ServiceError(_("This field is required."), "name")
    before = audit.snapshot(unit, UNIT_FIELDS)
    unit.code = _check_code(code, unit.id)
    unit.name = name
    unit.kind = _check_kind(kind)
    old, new = audit.diff(before, audit.snapshot(unit, UNIT_FIELDS))
    if new:
        audit.record(actor, "unit", unit.id, "update", old, new, unit_id=unit.id)
    db.session.flush()
    return unit


# -- users and roles ---------------------------------------------------------
def _check_role(role: str) -> str:
    if role not in {r.value for r in Role}:
        raise ServiceError(_("Unknown role."), "role")
    return role


def create_user(
    actor: User | None, email: str, name: str, password: str, role: str, unit: Unit
) -> User:
    """A user with a first role. ``actor`` None means the command line (no web scope)."""
    if actor is not None:
        require(can_administer_unit(actor, unit))
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise ServiceError(_("Enter a valid e-mail address."), "email")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise ServiceError(_("A user with this e-mail address already exists."), "email")
    if not name.strip():
        raise ServiceError(_("This field is required."), "name")
    problem = passwords.password_problem(password)
    if problem:
        raise ServiceError(
            _("The password must have at least %(n)d characters.", n=passwords.MIN_LENGTH),
            "password",
        )
    user = User(email=email, name=name.strip(), password_hash=passwords.hash_password(password),
                session_token=new_session_token())
    role = _check_role(role)
    db.session.add(user)
    db.session.flush()
    # One event for the one write: the user and the first role are created together.
    audit.record(actor, "user", user.id, "create", None,
                 {"email": email, "name": user.name, "role": role, "unit": unit.code},
                 unit_id=unit.id)
    _add_assignment(actor, user, role, unit, record=False)
    return user


def _add_assignment(actor: User | None, user: User, role: str, unit: Unit,
                    record: bool = True) -> RoleAssignment:
    exists = db.session.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.user_id == user.id, RoleAssignment.role == role,
            RoleAssignment.unit_id == unit.id,
        )
    )
    if exists is not None:
        raise ServiceError(_("The user already has this role on this unit."), "role")
    assignment = RoleAssignment(user_id=user.id, role=role, unit_id=unit.id)
    db.session.add(assignment)
    db.session.flush()
    if record:
        audit.record(actor, "role_assignment", assignment.id, "create", None,
                     {"user": user.email, "role": role, "unit": unit.code}, unit_id=unit.id)
    forget_grants()
    return assignment


def assign_role(actor: User, user: User, role: str, unit: Unit) -> RoleAssignment:
    require(can_administer_unit(actor, unit))
    assignment = _add_assignment(actor, user, _check_role(role), unit)
    db.session.expire(user, ["assignments"])
    return assignment


def remove_role(actor: User, assignment: RoleAssignment) -> None:
    require(can_administer_unit(actor, assignment.unit))
    user = assignment.user
    if len(user.assignments) <= 1:
        raise ServiceError(
            _("A user must keep at least one role. Deactivate the user instead.")
        )
    if assignment.user_id == actor.id and assignment.role == Role.ADMIN:
        raise ServiceError(_("You cannot remove your own administrator role."))
    audit.record(actor, "role_assignment", assignment.id, "delete",
                 {"user": user.email, "role": assignment.role, "unit": assignment.unit.code},
                 None, unit_id=assignment.unit_id)
    user.assignments.remove(assignment)
    forget_grants()
    db.session.flush()


def set_user_active(actor: User, user: User, active: bool) -> None:
    """Only an administrator over every unit where the user holds a role may do this."""
    require(all(can_administer_unit(actor, a.unit) for a in user.assignments))
    if user.id == actor.id:
        raise ServiceError(_("You cannot deactivate yourself."))
    if user.active == active:
        return
    audit.record(actor, "user", user.id, "activate" if active else "deactivate",
                 {"active": user.active}, {"active": active},
                 unit_id=user.assignments[0].unit_id if user.assignments else None)
    user.active = active
    user.session_token = new_session_token()  # ends the user's open sessions
    db.session.flush()


# -- the risk scale ---------------------------------------------------------
def highest_step_used(root: Unit) -> int:
    """The highest likelihood or consequence any assessment in the organisation uses."""
    from ..models.risks import Risk, RiskAssessment

    row = db.session.execute(
        select(func.max(RiskAssessment.likelihood), func.max(RiskAssessment.consequence))
        .join(Risk, Risk.id == RiskAssessment.risk_id)
        .join(Unit, Unit.id == Risk.unit_id)
        .where(Unit.subtree_clause(root.path))
    ).one()
    return max(row[0] or 0, row[1] or 0)


def _scale_saved(scale: RiskScale) -> dict:
    return {key: getattr(scale, key) for key in SCALE_FIELDS}


def _stale_scale(scale: RiskScale, submitted: dict):
    return lambda: StaleVersion(
        scale, submitted, audit_type="risk_scale",
        title=_("Someone else changed this risk scale"), saved=_scale_saved,
        back=lambda x: url_for("admin.scale", unit_id=x.unit_id))


def check_scale(config: dict) -> Scale:
    """The scale the configuration describes; ServiceError listing every problem."""
    errors = validate_scale(
        config["size"], config["likelihood_labels"], config["consequence_labels"],
        config["bands"], config["action_threshold"],
    )
    if errors:
        raise ServiceError(" ".join(_(e.template, **e.params) for e in errors))
    return build_scale(config["size"], config["likelihood_labels"],
                       config["consequence_labels"], config["bands"],
                       config["action_threshold"])


def update_scale(actor: User, root: Unit, config: dict, expected_version: int | None = None
                 ) -> RiskScale:
    """Save the organisation's scale. ``expected_version`` is the version the form was based
    on (1 for an organisation still on the default scale); None skips the check (CLI)."""
    require(can_administer_scale(actor, root))
    check_scale(config)
    days = config.get("reassess_days", 0)  # absent: the deadline is kept as it is
    if not isinstance(days, int) or not 0 <= days <= MAX_REASSESS_DAYS:
        raise ServiceError(_("Choose a number from 0 to %(n)d.", n=MAX_REASSESS_DAYS),
                           "reassess_days")
    scale = stored_scale(root.id)
    if scale is None:  # the organisation's first own scale (it used the default)
        scale = RiskScale(unit_id=root.id, **DEFAULT_SCALE_CONFIG)
        db.session.add(scale)
        db.session.flush()
    if expected_version is not None:
        check_version(scale, expected_version, _stale_scale(scale, config))
    used = highest_step_used(root)
    if config["size"] < used:
        raise ServiceError(
            _("Assessments in this organisation use step %(n)d: the matrix cannot be smaller. "
              "Re-assess those risks first.", n=used), "size")
    before = audit.snapshot(scale, SCALE_FIELDS)
    for key in SCALE_FIELDS:
        if key in config:
            setattr(scale, key, config[key])
    old, new = audit.diff(before, audit.snapshot(scale, SCALE_FIELDS))
    if new:
        audit.record(actor, "risk_scale", scale.id, "update", old, new, unit_id=root.id)
    versioning_flush(_stale_scale(scale, config))
    return scale
