"""The test fixtures themselves: isolation, CSRF, fresh request contexts, the statement
log."""

from __future__ import annotations

from sqlalchemy import select

from riskreg.admin import services as admin_services
from riskreg.extensions import db
from riskreg.models import Unit
from riskreg.uow import transaction
from tests.conftest import DEMO_USERS, unit, user


def test_a_committed_change(app):
    with transaction():
        admin_services.add_unit(user(DEMO_USERS["admin"]), unit("NLL-LS1"), "ISO-1", "Iso",
                                "unit")
    assert db.session.scalar(select(Unit.id).where(Unit.code == "ISO-1")) is not None


def test_is_rolled_back_before_the_next_test(app):
    assert db.session.scalar(select(Unit.id).where(Unit.code == "ISO-1")) is None


def test_csrf_is_on(admin):
    data = {"parent_id": unit("NLL-LS1").id, "code": "NLL-X", "name": "X", "kind": "unit"}
    assert admin.post("/admin/units/new", data=data).status_code == 400
    assert admin.post_form("/admin/units/new", data).status_code == 302


def test_each_request_reads_permissions_afresh(coordinator_ls1):
    assert coordinator_ls1.get("/admin/").status_code == 403
    with transaction():
        admin_services.assign_role(user(DEMO_USERS["admin"]),
                                   user(DEMO_USERS["coordinator_ls1"]), "admin", unit("NLL-LS1"))
    assert coordinator_ls1.get("/admin/").status_code == 200


def test_the_body_sees_what_a_request_saved(admin):
    target = unit("NLL-NARA")
    admin.post_form(f"/admin/units/{target.id}",
                    {"code": target.code, "name": "Division Nära (ny)", "kind": target.kind})
    assert target.name == "Division Nära (ny)"


def test_the_statement_log_counts_requests_too(admin, statement_log):
    admin.get("/admin/")  # warm up
    with statement_log() as first:
        assert admin.get("/admin/").status_code == 200
    with statement_log() as second:
        admin.get("/admin/")
    assert first.count >= 2  # at least the signed-in user and the units
    assert first.count == second.count
    assert not any(s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))
                   for s in first.statements)


def test_the_statement_log_sees_a_requests_writes_and_its_transaction(admin, statement_log):
    """What the "reads never write" and the one-transaction checks rely on."""
    target = unit("NLL-NARA")
    with statement_log() as log:
        admin.post_form(f"/admin/units/{target.id}",
                        {"code": target.code, "name": "Division Nära (ny)", "kind": target.kind})
    assert any(w.startswith("UPDATE unit SET") for w in log.writes), log.writes
    assert any(w.startswith("INSERT INTO audit_event") for w in log.writes), log.writes
    log.assert_one_transaction("unit")
    assert len(log.sent) > log.count  # the savepoints are in ``sent``, not in the count
