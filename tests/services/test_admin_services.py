"""The services check permission themselves (not only the views), and refuse whole."""

from __future__ import annotations

import pytest

from riskreg.admin import services
from riskreg.auth import permissions
from riskreg.auth import services as auth_services
from riskreg.auth.permissions import PermissionDenied
from riskreg.domain.matrix import DEFAULT_SCALE_CONFIG
from riskreg.extensions import db
from riskreg.services import ServiceError
from tests.conftest import DEMO_USERS, assignments_of, db_state, unit, user

pytestmark = pytest.mark.usefixtures("app")

LS1_OWNER = DEMO_USERS["owner_ls1"]
PASSWORD = "a-long-enough-password"


@pytest.fixture
def ls1_admin(make_user):
    return make_user("admin.ls1@norrbotten.example", "admin", "NLL-LS1")


def actor(name: str):
    if name == "admin_ls1":
        return user("admin.ls1@norrbotten.example")
    return user(DEMO_USERS[name])


REFUSED = {
    "add unit under another region": (
        "admin_sormland", lambda a: services.add_unit(a, unit("NLL-LS1"), "SRM-X", "X", "unit")),
    "add unit outside the division": (
        "admin_ls1", lambda a: services.add_unit(a, unit("NLL-RS"), "NLL-X", "X", "division")),
    "add unit as coordinator": (
        "coordinator_ls1", lambda a: services.add_unit(a, unit("NLL-LS1"), "NLL-X", "X", "unit")),
    "add a new organisation from the web": (
        "admin", lambda a: services.add_unit(a, None, "NEW", "New region", "region")),
    "edit unit of another region": (
        "admin_sormland",
        lambda a: services.update_unit(a, unit("NLL-LS1"), "NLL-LS1", "Hacked", "division")),
    "edit the division's parent": (
        "admin_ls1", lambda a: services.update_unit(a, unit("NLL-RS"), "NLL-RS", "X", "board")),
    "create user in another region": (
        "admin_sormland",
        lambda a: services.create_user(a, "x@x.example", "X", PASSWORD, "owner",
                                       unit("NLL-LS1"))),
    "assign role in another region": (
        "admin_sormland", lambda a: services.assign_role(a, user(LS1_OWNER), "admin",
                                                         unit("NLL-LS1"))),
    "assign role above own subtree": (
        "admin_ls1", lambda a: services.assign_role(a, user(LS1_OWNER), "admin", unit("NLL"))),
    "remove role in another region": (
        "admin_sormland", lambda a: services.remove_role(a, assignments_of(LS1_OWNER)[0])),
    "deactivate user of another region": (
        "admin_sormland", lambda a: services.set_user_active(a, user(LS1_OWNER), False)),
    "deactivate user with roles outside the division": (
        "admin_ls1", lambda a: services.set_user_active(a, user(DEMO_USERS["owner"]), False)),
    "set password of user of another region": (
        "admin_sormland", lambda a: auth_services.set_password(a, user(LS1_OWNER), PASSWORD)),
    "change scale of another region": (
        "admin_sormland", lambda a: services.update_scale(a, unit("NLL"), DEFAULT_SCALE_CONFIG)),
    "change scale as division admin": (
        "admin_ls1", lambda a: services.update_scale(a, unit("NLL"), DEFAULT_SCALE_CONFIG)),
    "change scale of a unit that is not an organisation": (
        "admin", lambda a: services.update_scale(a, unit("NLL-RS"), DEFAULT_SCALE_CONFIG)),
}


@pytest.mark.usefixtures("ls1_admin")
@pytest.mark.parametrize(("who", "write"), REFUSED.values(), ids=REFUSED.keys())
def test_services_refuse_out_of_scope_writes(who, write):
    a = actor(who)
    before = db_state()
    with pytest.raises(PermissionDenied):
        write(a)
    db.session.rollback()  # as the error handler does
    assert db_state() == before


SERVICE_ERRORS = {
    "unknown role": lambda a: services.create_user(a, "x@x.example", "X", PASSWORD, "emperor",
                                                    unit("NLL-LS1")),
    "unknown kind": lambda a: services.add_unit(a, unit("NLL-LS1"), "NLL-X", "X", "castle"),
    "duplicate code": lambda a: services.add_unit(a, unit("NLL-LS1"), "nll-ls1", "X", "unit"),
    "empty name": lambda a: services.update_unit(a, unit("NLL-NARA"), "NLL-NARA", "  ", "division"),
    "short password": lambda a: auth_services.set_password(a, user(LS1_OWNER), "short"),
    "duplicate role": lambda a: services.assign_role(a, user(LS1_OWNER), "owner", unit("NLL-LS1")),
    "last role": lambda a: services.remove_role(a, assignments_of(LS1_OWNER)[0]),
    "deactivate yourself": lambda a: services.set_user_active(a, a, False),
    "invalid scale": lambda a: services.update_scale(
        a, unit("NLL"), {**DEFAULT_SCALE_CONFIG, "action_threshold": 0}),
}


@pytest.mark.parametrize("write", SERVICE_ERRORS.values(), ids=SERVICE_ERRORS.keys())
def test_service_errors_save_nothing(write):
    before = db_state()
    with pytest.raises(ServiceError) as info:
        write(user(DEMO_USERS["admin"]))
    assert info.value.message
    db.session.rollback()
    assert db_state() == before


def test_admin_cannot_remove_own_admin_role():
    me = user(DEMO_USERS["admin"])
    services.assign_role(me, me, "board", unit("NLL-RS"))
    own_admin = next(a for a in assignments_of(me.email) if a.role == "admin")
    with pytest.raises(ServiceError):
        services.remove_role(me, own_admin)


def test_division_admin_works_in_the_division(ls1_admin):
    new = services.add_unit(ls1_admin, unit("NLL-LS1"), "NLL-LS1-ORT", "VO Ortopedi", "unit")
    assert new.is_within(unit("NLL-LS1"))
    services.assign_role(ls1_admin, user(LS1_OWNER), "coordinator", new)
    assert ("coordinator", "NLL-LS1-ORT") in [(a.role, a.unit.code)
                                              for a in assignments_of(LS1_OWNER)]


# -- the named rules ------------------------------------------------------------------
READS = [
    ("board", "NLL-RS", True), ("board", "NLL-LS1-IMED", True), ("board", "NLL", False),
    ("board", "SRM-PV", False),
    ("coordinator_ls1", "NLL-LS1", True), ("coordinator_ls1", "NLL-LS1-NEURO", True),
    ("coordinator_ls1", "NLL-NARA", False), ("coordinator_ls1", "NLL-RS", False),
    ("admin", "NLL", True), ("admin", "NLL-LS1-AKUT", True), ("admin", "SRM", False),
    ("admin_sormland", "SRM-PV-CITY", True), ("admin_sormland", "NLL-LS1", False),
    ("coordinator_sormland", "SRM-PV-STRANGNAS", True), ("coordinator_sormland", "SRM", False),
]


@pytest.mark.parametrize(("who", "code", "allowed"), READS)
def test_a_role_reaches_its_unit_and_everything_beneath(who, code, allowed):
    assert permissions.can_read_unit(actor(who), unit(code)) is allowed


@pytest.mark.parametrize(
    ("who", "code", "allowed"),
    [("admin", "NLL-LS1", True), ("admin", "SRM-PV", False), ("coordinator", "NLL-LS1", False),
     ("admin_ls1", "NLL-LS1-IMED", True), ("admin_ls1", "NLL-NARA", False),
     ("admin_ls1", "NLL", False)],
)
@pytest.mark.usefixtures("ls1_admin")
def test_administration_follows_the_subtree(who, code, allowed):
    assert permissions.can_administer_unit(actor(who), unit(code)) is allowed


@pytest.mark.parametrize(("who", "code", "allowed"),
                         [("admin", "NLL", True), ("admin", "NLL-RS", False),
                          ("admin", "SRM", False), ("admin_sormland", "SRM", True)])
def test_scale_belongs_to_the_organisation_root(who, code, allowed):
    assert permissions.can_administer_scale(actor(who), unit(code)) is allowed


def test_deactivated_user_has_no_rights():
    board = user(DEMO_USERS["board"])
    board.active = False
    assert not permissions.can_read_unit(board, unit("NLL-RS"))
