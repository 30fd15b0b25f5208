"""``flask backup`` and ``flask restore`` (riskreg/ops/backup.py) on SQLite and PostgreSQL.

The main test backs up a running app while a thread writes through it (API tokens created
and revoked through the test client, each a real commit), restores into a fresh database
and checks that the restored rows are exactly the source's rows after one of the writes:
row count and checksum per table. After every write the writer records the source's
state; it is the only writer, so the backup's snapshot must equal one of those states.

SQLite databases are files in tmp_path. PostgreSQL runs when RISKREG_TEST_DATABASE_URL is
a PostgreSQL URL: scratch databases ``riskreg_ops_<random>`` on that server, dropped after.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from riskreg import create_app
from riskreg.config import TestConfig
from riskreg.extensions import db
from riskreg.ops import backup as ops_backup
from riskreg.seed import seed_demo
from tests.conftest import DEMO_USERS, Client

SUITE_URL = TestConfig.SQLALCHEMY_DATABASE_URI
KINDS = ["sqlite", "postgresql"]


# -- scratch databases ------------------------------------------------------------------
@pytest.fixture
def new_database(tmp_path) -> Iterator[Callable[[str], str]]:
    """``new_database(kind)``: the URL of a new, empty database of that kind."""
    created: list[str] = []
    server = make_url(SUITE_URL)

    def _new(kind: str) -> str:
        name = f"riskreg_ops_{uuid.uuid4().hex[:12]}"
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / (name + '.sqlite3')}"
        if SUITE_URL.startswith("sqlite"):
            pytest.skip("PostgreSQL backups need RISKREG_TEST_DATABASE_URL=postgresql+psycopg://…")
        _pg_admin(server, f'CREATE DATABASE "{name}"')
        created.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    yield _new
    for name in created:
        _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_admin(server, statement: str) -> None:
    import psycopg

    url = server.set(drivername="postgresql", database="postgres")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(statement)


def make_app(url: str, **settings) -> Flask:
    class OpsConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = (
            {"connect_args": {"check_same_thread": False, "timeout": 30}}
            if url.startswith("sqlite") else {"pool_pre_ping": True})
        REQUEST_LOG = False
        FILES_DIR = None

    for key, value in settings.items():
        setattr(OpsConfig, key, value)
    app = create_app(OpsConfig)
    app.test_client_class = Client
    return app


@pytest.fixture
def apps() -> Iterator[Callable[..., Flask]]:
    """``apps(url, **settings)``: an app on that database; its engine is closed afterwards."""
    made: list[Flask] = []

    def _make(url: str, **settings) -> Flask:
        app = make_app(url, **settings)
        made.append(app)
        return app

    yield _make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def migrated_demo(app: Flask) -> None:
    """The schema through Alembic (as in production: triggers, alembic_version), demo data."""
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        db.session.remove()


def cli(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


# -- the state of a database ---------------------------------------------------------------
def table_digests(engine: Engine) -> dict[str, tuple[int, str]]:
    """Per table: (row count, SHA-256 of every row in key order)."""
    result = {}
    with engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256()
            for row in rows:
                digest.update(json.dumps(list(row), default=str).encode())
            result[table.name] = (len(rows), digest.hexdigest())
        version = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        result["alembic_version"] = (len(version), str(version))
    return result


class Writer(threading.Thread):
    """Creates and revokes API tokens through the app, recording the state after each."""

    def __init__(self, app: Flask, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.app, self.engine = app, engine
        self.client = app.test_client()
        assert self.client.login(DEMO_USERS["coordinator"]).status_code == 302
        self.states = [table_digests(engine)]
        self.stop = threading.Event()
        self.writes = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self._write()
        except BaseException as exc:  # reported by the test
            self.error = exc

    def _write(self) -> None:
        if self.writes % 2 == 0:
            response = self.client.post_form("/api/v1/tokens", {"name": f"w{self.writes}"},
                                             page="/profile")
        else:
            with self.engine.connect() as conn:
                newest = conn.execute(text(
                    "SELECT max(id) FROM api_token WHERE revoked_at IS NULL")).scalar()
            response = self.client.post_form(f"/api/v1/tokens/{newest}/revoke",
                                              page="/profile")
        assert response.status_code == 302, response.status_code
        self.writes += 1
        self.states.append(table_digests(self.engine))

    def wait_for(self, writes: int, timeout: float = 60) -> None:
        for _ in range(int(timeout * 20)):
            if self.writes >= writes or self.error or not self.is_alive():
                return
            self.stop.wait(0.05)


def audit_rows_are_append_only(engine: Engine) -> None:
    for statement in ("UPDATE audit_event SET action = 'changed'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))


# -- the round trip under writes ---------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_backup_under_writes_restores_a_consistent_snapshot(kind, new_database, apps,
                                                             tmp_path):
    source = apps(new_database(kind))
    migrated_demo(source)
    source_engine = create_engine(source.config["SQLALCHEMY_DATABASE_URI"])
    writer = Writer(source, source_engine)
    archive = tmp_path / "backup.tar"
    try:
        writer.start()
        writer.wait_for(3)
        before = writer.writes
        result = cli(source, "backup", str(archive))
        during = writer.writes - before
        writer.wait_for(writer.writes + 2)
    finally:
        writer.stop.set()
        writer.join(60)
        source_engine.dispose()
    assert writer.error is None, repr(writer.error)
    assert result.exit_code == 0, result.output
    assert before >= 3 and writer.writes >= before + 2, "the backup did not run under writes"

    target = apps(new_database(kind))
    result = cli(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    target_engine = create_engine(target.config["SQLALCHEMY_DATABASE_URI"])
    try:
        restored = table_digests(target_engine)
        matches = [i for i, state in enumerate(writer.states) if state == restored]
        assert matches, _closest_difference(writer.states, restored)
        assert restored["api_token"][0] >= 1  # the snapshot holds writes made through the app
        assert before <= matches[0] <= before + during + 1
        audit_rows_are_append_only(target_engine)  # the triggers came back
    finally:
        target_engine.dispose()
    assert target.test_client().get("/readyz").get_json() == {"status": "ok"}


def _closest_difference(states: list[dict], restored: dict) -> str:
    best = min(states, key=lambda s: sum(s[t] != restored.get(t) for t in s))
    return "restored state equals no state of the source; closest differs in " + ", ".join(
        f"{t}: {best[t][0]} rows vs {restored.get(t, (None,))[0]}"
        for t in best if best[t] != restored.get(t))


@pytest.mark.parametrize("kind", KINDS)
def test_restore_refuses_a_database_that_is_not_empty(kind, new_database, apps, tmp_path):
    source = apps(new_database(kind))
    migrated_demo(source)
    archive = tmp_path / "backup.tar"
    assert cli(source, "backup", str(archive)).exit_code == 0
    target = apps(new_database(kind))
    migrated_demo(target)
    with target.app_context():
        db.session.execute(text("INSERT INTO audit_event (at, object_type, action) "
                                "VALUES ('2030-01-01 00:00:00', 'marker', 'marker')"))
        db.session.commit()
    target_engine = create_engine(target.config["SQLALCHEMY_DATABASE_URI"])
    source_engine = create_engine(source.config["SQLALCHEMY_DATABASE_URI"])
    try:
        before = table_digests(target_engine)
        refused = cli(target, "restore", str(archive))
        assert refused.exit_code == 1
        assert "not empty" in refused.output and "--force" in refused.output
        assert table_digests(target_engine) == before

        forced = cli(target, "restore", "--force", str(archive))
        assert forced.exit_code == 0, forced.output
        assert table_digests(target_engine) == table_digests(source_engine)
        audit_rows_are_append_only(target_engine)
    finally:
        target_engine.dispose()
        source_engine.dispose()


# -- evidence files -----------------------------------------------------------------------
def test_files_directory_travels_with_the_backup(new_database, apps, tmp_path):
    files = tmp_path / "files"
    (files / "2024" / "bilagor").mkdir(parents=True)
    (files / "2024" / "bilagor" / "stickprov-åtgärd.pdf").write_bytes(b"%PDF-1.4 evidence")
    (files / "top.txt").write_text("kontroll", encoding="utf-8")
    source = apps(new_database("sqlite"), FILES_DIR=str(files))
    migrated_demo(source)
    archive = tmp_path / "backup.tar"
    result = cli(source, "backup", str(archive))
    assert result.exit_code == 0, result.output
    assert "2 files" in result.output
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "database.sqlite3", "files/top.txt",
            "files/2024/bilagor/stickprov-åtgärd.pdf"} <= names
    assert (archive.stat().st_mode & 0o077) == 0  # readable by its owner only

    without_dir = apps(new_database("sqlite"))
    refused = cli(without_dir, "restore", str(archive))
    assert refused.exit_code == 1 and "RISKREG_FILES_DIR" in refused.output

    restored_files = tmp_path / "restored-files"
    target = apps(new_database("sqlite"), FILES_DIR=str(restored_files))
    result = cli(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert (restored_files / "2024" / "bilagor" / "stickprov-åtgärd.pdf").read_bytes() == \
        b"%PDF-1.4 evidence"
    assert (restored_files / "top.txt").read_text(encoding="utf-8") == "kontroll"


# -- bad input: a clear error, exit 1, nothing changed --------------------------------------
def _tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _manifest(**changes) -> bytes:
    data = {"format": "riskreg-backup", "version": 1, "created_at": "2026-01-01T00:00:00",
            "database": {"dialect": "sqlite", "member": "database.sqlite3",
                         "sha256": hashlib.sha256(b"not a database").hexdigest(),
                         "alembic_revision": "0003"}, "files": 0}
    data.update(changes)
    return json.dumps(data).encode()


BAD_ARCHIVES = {
    "not a tar": lambda p: (p.write_bytes(b"plain text, not a tar"), p)[1],
    "no manifest": lambda p: _tar(p, {"database.sqlite3": b"x"}),
    "foreign tar": lambda p: _tar(p, {"manifest.json": b'{"format": "other"}'}),
    "damaged manifest": lambda p: _tar(p, {"manifest.json": b"{not json"}),
    "newer format": lambda p: _tar(p, {"manifest.json": _manifest(version=99)}),
    "other database kind": lambda p: _tar(p, {"manifest.json": _manifest(database={
        "dialect": "postgresql", "member": "database.pgdump", "sha256": "0"})}),
    "path traversal": lambda p: _tar(p, {"manifest.json": _manifest(),
                                         "files/../../evil.txt": b"x"}),
    "absolute path": lambda p: _tar(p, {"manifest.json": _manifest(), "/tmp/evil.txt": b"x"}),
    "unexpected entry": lambda p: _tar(p, {"manifest.json": _manifest(), "run.sh": b"x"}),
    "no database": lambda p: _tar(p, {"manifest.json": _manifest()}),
    "checksum mismatch": lambda p: _tar(p, {"manifest.json": _manifest(),
                                            "database.sqlite3": b"tampered"}),
}


@pytest.mark.parametrize("make", BAD_ARCHIVES.values(), ids=BAD_ARCHIVES.keys())
def test_bad_backups_are_refused(make, new_database, apps, tmp_path):
    url = new_database("sqlite")
    target = apps(url)
    result = cli(target, "restore", str(make(tmp_path / "bad.tar")))
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    assert not Path(make_url(url).database).exists()  # nothing was written
    assert not (tmp_path.parent / "evil.txt").exists()


def test_backup_refuses_to_overwrite_and_in_memory(new_database, apps, tmp_path):
    source = apps(new_database("sqlite"))
    migrated_demo(source)
    existing = tmp_path / "exists.tar"
    existing.write_bytes(b"keep me")
    result = cli(source, "backup", str(existing))
    assert result.exit_code == 1 and "exists" in result.output
    assert existing.read_bytes() == b"keep me"
    missing_dir = cli(source, "backup", str(tmp_path / "no-such-dir" / "b.tar"))
    assert missing_dir.exit_code == 1 and "does not exist" in missing_dir.output
    memory = cli(apps("sqlite://"), "backup", str(tmp_path / "m.tar"))
    assert memory.exit_code == 1 and "memory" in memory.output
    assert not (tmp_path / "m.tar").exists()


def test_restore_of_a_missing_file_is_an_error(apps, new_database, tmp_path):
    result = cli(apps(new_database("sqlite")), "restore", str(tmp_path / "nothing.tar"))
    assert result.exit_code == 1 and "not a file" in result.output


def test_libpq_uri_keeps_the_password_off_the_command_line():
    database = ops_backup.Database(
        "postgresql", make_url("postgresql+psycopg://riskreg:s3cret@db.example:5433/rr"
                               "?sslmode=require"))
    assert database.libpq_uri == "postgresql://riskreg@db.example:5433/rr?sslmode=require"


def test_old_pg_dump_is_refused_with_advice(monkeypatch, new_database, apps):
    """pg_dump older than the server: a clear message naming the package to install."""
    target = apps(new_database("postgresql"))

    class Old:
        stdout = "pg_dump (PostgreSQL) 9.6.24\n"

    monkeypatch.setattr(ops_backup.subprocess, "run", lambda *a, **k: Old())
    with target.app_context(), pytest.raises(ops_backup.BackupError,
                                             match="postgresql-client-"):
        ops_backup._check_tool_version(target, "/usr/bin/pg_dump")
