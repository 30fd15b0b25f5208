"""The flask commands: create-user, list-units, create-org, seed-demo."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from riskreg.auth.passwords import verify_password
from riskreg.domain.matrix import DEFAULT_SCALE_CONFIG
from riskreg.extensions import db
from riskreg.models import RiskScale, Unit, User
from riskreg.seed import DEMO_PASSWORD, load_yaml
from tests.conftest import assignments_of, db_state, unit, user

PASSWORD = "a-long-cli-password"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def create_user(runner, email, role="admin", unit_code="NLL-LS1", password=PASSWORD, *extra):
    return runner.invoke(args=["create-user", email, "--role", role, "--unit", unit_code,
                               *extra], input=f"{password}\n")


def test_create_user_reads_the_password_from_stdin(runner, client, audit_log):
    with audit_log() as events:
        result = create_user(runner, "New.Admin@Norrbotten.example", "admin", "nll-ls1",
                             PASSWORD, "--name", "Nina Ny")
    assert result.exit_code == 0, result.output
    created = user("new.admin@norrbotten.example")
    assert created.name == "Nina Ny"
    assert [(a.role, a.unit.code) for a in assignments_of(created.email)] == [
        ("admin", "NLL-LS1")]
    assert verify_password(created.password_hash, PASSWORD)
    assert PASSWORD not in result.output
    assert len(events) == 1 and events[0].user_id is None  # the command line has no actor
    assert client.login(created.email, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("args", "password"),
    [(("x@norrbotten.example", "owner", "NO-SUCH-UNIT"), PASSWORD),
     (("x@norrbotten.example", "owner", "NLL-RS"), "short"),
     (("riskagare@norrbotten.example", "owner", "NLL-RS"), PASSWORD),
     (("not-an-address", "owner", "NLL-RS"), PASSWORD)],
    ids=["unknown unit", "short password", "existing user", "bad e-mail"],
)
def test_create_user_errors(runner, args, password):
    before = db_state()
    result = create_user(runner, *args, password=password)
    assert result.exit_code == 1
    assert "Error" in result.output
    assert db_state() == before


def test_unknown_unit_names_the_code(runner):
    result = create_user(runner, "x@norrbotten.example", "owner", "NO-SUCH-UNIT")
    assert "NO-SUCH-UNIT" in result.output
    assert "list-units" in result.output


@pytest.mark.parametrize(
    "args",
    [["create-user", "x@norrbotten.example", "--role", "owner", "--unit", "NLL-RS",
      "--password", PASSWORD],
     ["create-user", "x@norrbotten.example", "--role", "emperor", "--unit", "NLL-RS"],
     ["create-user", "x@norrbotten.example", "--unit", "NLL-RS"],
     ["create-user", "x@norrbotten.example", "--role", "owner"]],
    ids=["password as option", "unknown role", "no role", "no unit"],
)
def test_create_user_usage_errors(runner, args):
    result = runner.invoke(args=args, input=f"{PASSWORD}\n")
    assert result.exit_code == 2
    assert db.session.scalar(select(User).where(User.email == "x@norrbotten.example")) is None


def test_list_units_prints_code_name_and_parent(runner):
    result = runner.invoke(args=["list-units"])
    assert result.exit_code == 0
    lines = {line.split("\t")[0]: line.split("\t") for line in result.output.splitlines()}
    units = db.session.scalars(select(Unit)).all()
    assert set(lines) == {u.code for u in units}
    by_id = {u.id: u for u in units}
    for u in units:
        code, name, parent = lines[u.code]
        assert name.strip() == u.name
        assert parent == (by_id[u.parent_id].code if u.parent_id else "-")


def test_create_org_gets_the_default_scale(runner):
    result = runner.invoke(args=["create-org", "vgr", "Västra Götalandsregionen"])
    assert result.exit_code == 0, result.output
    root = unit("VGR")
    assert (root.parent_id, root.kind, root.path) == (None, "region", f"/{root.id}/")
    scale = db.session.scalar(select(RiskScale).where(RiskScale.unit_id == root.id))
    assert scale.as_config() == DEFAULT_SCALE_CONFIG
    assert runner.invoke(args=["create-org", "VGR", "Igen"]).exit_code == 1


def test_seed_demo_prints_the_logins(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    for entry in load_yaml("users.yaml")["users"]:
        assert entry["email"] in result.output


def test_seed_demo_refuses_in_production(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    before = db_state()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "--allow-production" in result.output
    assert DEMO_PASSWORD not in result.output
    assert db_state() == before
    allowed = runner.invoke(args=["seed-demo", "--allow-production"])
    assert allowed.exit_code == 0, allowed.output
    assert DEMO_PASSWORD in allowed.output


def test_prune_sessions_deletes_only_old_ended_and_expired_sign_ins(runner, audit_log):
    from datetime import timedelta

    from riskreg.models import UserSession
    from riskreg.models.types import utcnow

    owner = db.session.scalars(select(User).order_by(User.id)).first()
    now = utcnow()
    rows = {
        "old-ended": dict(created_at=now - timedelta(days=200),
                          ended_at=now - timedelta(days=100)),
        "recent-ended": dict(created_at=now - timedelta(days=20),
                             ended_at=now - timedelta(days=10)),
        "old-never-ended": dict(created_at=now - timedelta(days=100), ended_at=None),
        "live": dict(created_at=now - timedelta(hours=1), ended_at=None),
    }
    for name, times in rows.items():
        db.session.add(UserSession(id=name.ljust(64, "0"), user_id=owner.id, **times))
    db.session.flush()

    with audit_log() as events:
        result = runner.invoke(args=["prune-sessions", "--keep-days", "30"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 " in result.output
    left = set(db.session.scalars(select(UserSession.id).where(
        UserSession.id.in_([n.ljust(64, "0") for n in rows]))))
    assert left == {"recent-ended".ljust(64, "0"), "live".ljust(64, "0")}
    assert [(e.object_type, e.action, e.new) for e in events] == [
        ("user_session", "prune", {"deleted": 2, "keep_days": 30})]


def test_prune_sessions_refuses_a_negative_keep_days(runner):
    result = runner.invoke(args=["prune-sessions", "--keep-days", "-1"])
    assert result.exit_code == 2
