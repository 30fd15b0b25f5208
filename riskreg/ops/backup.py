"""``flask backup PATH`` and ``flask restore PATH [--force]``.

A backup is one tar file:

* ``manifest.json``: format name and version, when, which database kind, the Alembic
  revision, the database member's SHA-256, and how many evidence files came along;
* ``database.sqlite3`` (SQLite, through the online backup API: safe while the app writes)
  or ``database.pgdump`` (PostgreSQL, ``pg_dump --format=custom``: one consistent snapshot);
* ``files/``: a copy of ``RISKREG_FILES_DIR`` (uploaded evidence) when that is set.

Restore goes into an empty database of the same kind (a new SQLite path, or a database
made with ``createdb``) and refuses a non-empty one unless ``--force``, which replaces what
is there. Triggers (the append-only audit log) come back with the schema on both kinds.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404: runs pg_dump/pg_restore only, with argument lists
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import click
from flask import Flask, current_app
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

FORMAT = "riskreg-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
FILES_PREFIX = "files"
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why (for the CLI)."""


@dataclass(frozen=True)
class Database:
    """Where the app's data lives: a SQLite file or a PostgreSQL URL."""

    dialect: str
    url: URL

    @classmethod
    def of_app(cls, app: Flask) -> Database:
        url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        dialect = url.get_backend_name()
        if dialect not in MEMBERS:
            raise BackupError(f"Backups support SQLite and PostgreSQL, not {dialect}.")
        if dialect == "sqlite" and url.database in (None, "", ":memory:"):
            raise BackupError("The database is SQLite in memory: there is nothing to back up.")
        return cls(dialect, url)

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.database or "")

    @property
    def libpq_uri(self) -> str:
        """The URL for pg_dump/pg_restore, without the password (that goes in PGPASSWORD,
        not on a command line that `ps` shows)."""
        url = URL.create("postgresql", username=self.url.username, host=self.url.host,
                         port=self.url.port, database=self.url.database, query=self.url.query)
        return url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class Manifest:
    dialect: str
    created_at: str
    alembic_revision: str | None
    sha256: str
    files: int

    def as_json(self) -> dict:
        return {"format": FORMAT, "version": FORMAT_VERSION, "created_at": self.created_at,
                "database": {"dialect": self.dialect, "member": MEMBERS[self.dialect],
                             "sha256": self.sha256, "alembic_revision": self.alembic_revision},
                "files": self.files}

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise BackupError("This is not a Riskreg backup (no riskreg-backup manifest).")
            if data.get("version") != FORMAT_VERSION:
                raise BackupError(f"Backup format version {data.get('version')!r} is not "
                                  f"supported (this Riskreg reads version {FORMAT_VERSION}).")
            database = data["database"]
            if database["dialect"] not in MEMBERS:
                raise BackupError(f"Unknown database kind {database['dialect']!r}.")
            return cls(dialect=database["dialect"], created_at=str(data["created_at"]),
                       alembic_revision=database.get("alembic_revision"),
                       sha256=str(database["sha256"]), files=int(data.get("files", 0)))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError("The backup's manifest is damaged.") from exc


# -- backup ---------------------------------------------------------------------------
def backup(app: Flask, path: Path) -> Manifest:
    """Write a backup of the app's database (and evidence files) to ``path`` (a new file)."""
    database = Database.of_app(app)
    if path.exists():
        raise BackupError(f"{path} exists already; give a new file name.")
    if not path.parent.is_dir():
        raise BackupError(f"The directory {path.parent} does not exist.")
    files_dir = _files_dir(app)
    with tempfile.TemporaryDirectory(prefix="riskreg-backup-") as tmp:
        dump = Path(tmp) / MEMBERS[database.dialect]
        if database.dialect == "sqlite":
            revision = _sqlite_backup(database.sqlite_path, dump)
        else:
            revision = _pg_dump(app, database, dump)
        evidence = list(_evidence_files(files_dir)) if files_dir else []
        manifest = Manifest(database.dialect, datetime.now(UTC).isoformat(timespec="seconds"),
                            revision, _sha256(dump), len(evidence))
        partial = path.with_name(f".{path.name}.partial")
        # The backup holds password hashes and personal data: readable by its owner only.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w") as tar:
                _add_bytes(tar, MANIFEST, json.dumps(manifest.as_json(), indent=2).encode())
                tar.add(dump, arcname=MEMBERS[database.dialect], recursive=False)
                for source, relative in evidence:
                    tar.add(source, arcname=f"{FILES_PREFIX}/{relative}", recursive=False)
            os.replace(partial, path)
        finally:
            if partial.exists():
                partial.unlink()
    return manifest


def _sqlite_backup(source: Path, target: Path) -> str | None:
    """Copy a live SQLite database page by page with SQLite's online backup API."""
    if not source.is_file():
        raise BackupError(f"The SQLite database {source} does not exist.")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)  # all pages in one step: one consistent snapshot
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("The copy of the SQLite database failed its integrity check.")
        return _sqlite_revision(dst)
    finally:
        dst.close()
        src.close()


def _sqlite_revision(conn: sqlite3.Connection) -> str | None:
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                        "AND name = 'alembic_version'").fetchone():
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _pg_dump(app: Flask, database: Database, target: Path) -> str | None:
    tool = _pg_tool(app, "pg_dump")
    _check_tool_version(app, tool)
    _run([tool, "--format=custom", "--file", str(target), "--dbname", database.libpq_uri],
         database, "pg_dump")
    with app.app_context(), db.engine.connect() as conn:
        if not conn.dialect.has_table(conn, "alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


# -- restore --------------------------------------------------------------------------
def restore(app: Flask, path: Path, force: bool = False) -> Manifest:
    """Restore a backup into the app's database (empty, unless ``force``)."""
    database = Database.of_app(app)
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    with _open_tar(path) as tar, tempfile.TemporaryDirectory(prefix="riskreg-restore-") as tmp:
        members = _checked_members(tar)
        if MANIFEST not in members:
            raise BackupError(f"{path} is not a Riskreg backup (no {MANIFEST}).")
        manifest = Manifest.from_json(_read_member(tar, members[MANIFEST]))
        if manifest.dialect != database.dialect:
            raise BackupError(f"The backup is of a {manifest.dialect} database; this Riskreg "
                              f"runs on {database.dialect}.")
        member = MEMBERS[manifest.dialect]
        if member not in members:
            raise BackupError(f"The backup lacks its database ({member}).")
        evidence = {name: info for name, info in members.items()
                    if name.startswith(FILES_PREFIX + "/")}
        files_dir = _files_dir(app)
        if evidence and files_dir is None:
            raise BackupError(f"The backup holds {len(evidence)} evidence files: set "
                              "RISKREG_FILES_DIR to the directory they go to.")
        # Refuse before changing anything.
        occupied = _non_empty(app, database)
        if files_dir is not None and evidence and files_dir.is_dir() and any(files_dir.iterdir()):
            occupied.append(f"the files directory {files_dir}")
        if occupied and not force:
            raise BackupError(f"Not restoring into {' and '.join(occupied)}, which is not "
                              "empty. Restore into a new database, or pass --force to "
                              "replace what is there.")
        dump = Path(tmp) / member
        _extract(tar, members[member], dump)
        if _sha256(dump) != manifest.sha256:
            raise BackupError("The backup's database does not match its checksum: damaged.")
        if database.dialect == "sqlite":
            _sqlite_restore(app, dump, database.sqlite_path)
        else:
            _pg_restore(app, database, dump, replace=bool(occupied))
        if files_dir is not None:
            for name, info in evidence.items():
                relative = PurePosixPath(name).relative_to(FILES_PREFIX)
                if info.isdir():
                    (files_dir / relative).mkdir(parents=True, exist_ok=True)
                else:
                    _extract(tar, info, files_dir / relative)
    return manifest


@contextmanager
def _open_tar(path: Path) -> Iterator[tarfile.TarFile]:
    try:
        tar = tarfile.open(path, mode="r:*")  # noqa: SIM115 (closed below)
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{path} is not a Riskreg backup (not a tar file).") from exc
    with tar:
        yield tar


def _sqlite_restore(app: Flask, dump: Path, target: Path) -> None:
    with app.app_context():
        db.engine.dispose()  # no pooled connection keeps the old schema
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(dump)
    dst = sqlite3.connect(target, timeout=30)
    try:
        with dst:
            src.backup(dst)  # replaces every page of the target, triggers included
    finally:
        dst.close()
        src.close()


def _pg_restore(app: Flask, database: Database, dump: Path, replace: bool) -> None:
    tool = _pg_tool(app, "pg_restore")
    _check_tool_version(app, tool)
    with app.app_context():
        if replace:
            _pg_drop_relations()
        db.engine.dispose()
    args = [tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if replace:
        args += ["--clean", "--if-exists"]  # functions and other objects in the dump
    _run([*args, "--dbname", database.libpq_uri, str(dump)], database, "pg_restore")


def _pg_drop_relations() -> None:
    """--force: drop the tables, views and sequences of the current schema (also those the
    backup does not have, which ``pg_restore --clean`` would leave behind)."""
    with db.engine.begin() as conn:
        rows = conn.execute(text(
            "SELECT c.relname, c.relkind FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"))
        kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW",
                 "S": "SEQUENCE"}
        quote = conn.dialect.identifier_preparer.quote
        for name, kind in sorted(rows, key=lambda r: r[1] == "S"):
            # Catalog names, quoted as identifiers: nothing from the user.
            conn.exec_driver_sql(f"DROP {kinds[kind]} IF EXISTS {quote(name)} CASCADE")


def _non_empty(app: Flask, database: Database) -> list[str]:
    """What would be overwritten: ["the database ..."] or []."""
    if database.dialect == "sqlite":
        path = database.sqlite_path
        if not path.exists() or path.stat().st_size == 0:
            return []
        conn = sqlite3.connect(path, timeout=30)
        try:
            count = conn.execute("SELECT count(*) FROM sqlite_master "
                                 "WHERE name NOT LIKE 'sqlite_%'").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a SQLite database.") from exc
        finally:
            conn.close()
        return [f"the database {path}"] if count else []
    with app.app_context(), db.engine.connect() as conn:
        count = conn.execute(text(
            "SELECT count(*) FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
        )).scalar()
    return [f"the database {database.url.database}"] if count else []


# -- tar members and files --------------------------------------------------------------
def _checked_members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    """Every member by normalised name; refuses links, devices and names that leave the
    archive (absolute, ``..``), so that extracting can never write outside its target."""
    members: dict[str, tarfile.TarInfo] = {}
    try:
        infos = tar.getmembers()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError("The backup file is damaged (cannot read the tar).") from exc
    for info in infos:
        name = PurePosixPath(info.name)
        if (name.is_absolute() or ".." in name.parts or not (info.isfile() or info.isdir())
                or "\\" in info.name):
            raise BackupError(f"The backup holds an unsafe entry: {info.name!r}.")
        key = name.as_posix()
        if key in (".", FILES_PREFIX):
            continue
        allowed = key == MANIFEST or key in MEMBERS.values() or key.startswith(FILES_PREFIX + "/")
        if not allowed:
            raise BackupError(f"The backup holds an unexpected entry: {info.name!r}.")
        members[key] = info
    return members


def _read_member(tar: tarfile.TarFile, info: tarfile.TarInfo, limit: int = 1 << 20) -> bytes:
    if not info.isfile() or info.size > limit:
        raise BackupError(f"The backup's {info.name} is not a small file.")
    handle = tar.extractfile(info)
    if handle is None:
        raise BackupError(f"Cannot read {info.name} from the backup.")
    return handle.read()


def _extract(tar: tarfile.TarFile, info: tarfile.TarInfo, target: Path) -> None:
    handle = tar.extractfile(info)
    if handle is None:
        raise BackupError(f"Cannot read {info.name} from the backup.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with handle, open(target, "wb") as out:
        shutil.copyfileobj(handle, out, _CHUNK)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _files_dir(app: Flask) -> Path | None:
    configured = app.config.get("FILES_DIR")
    return Path(configured) if configured else None


def _evidence_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Regular files under ``root`` (symbolic links are not followed), in a stable order."""
    if not root.is_dir():
        return
    for directory, subdirs, names in os.walk(root):
        subdirs.sort()
        for name in sorted(names):
            source = Path(directory) / name
            if source.is_file() and not source.is_symlink():
                yield source, source.relative_to(root).as_posix()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# -- PostgreSQL client tools ------------------------------------------------------------
_VERSION = re.compile(r"\)\s*(\d+)(?:\.(\d+))?")


def _pg_tool(app: Flask, name: str) -> str:
    bin_dir = app.config.get("PG_BIN_DIR")
    found = shutil.which(name, path=bin_dir) if bin_dir else shutil.which(name)
    if not found:
        raise BackupError(f"{name} was not found. Install the PostgreSQL client tools of the "
                          "server's version or newer (Debian: apt-get install "
                          "postgresql-client), or set RISKREG_PG_BIN_DIR.")
    return found


def _check_tool_version(app: Flask, tool: str) -> None:
    """pg_dump refuses a newer server; say so before it starts, with what to install."""
    result = subprocess.run([tool, "--version"], capture_output=True, text=True,  # nosec B603
                            check=False, timeout=30)
    match = _VERSION.search(result.stdout)
    if not match:
        raise BackupError(f"Cannot tell the version of {tool}: {result.stdout.strip()!r}")
    tool_major = int(match.group(1))
    with app.app_context(), db.engine.connect() as conn:
        server_major = int(conn.execute(text("SHOW server_version_num")).scalar()) // 10000
    if tool_major < server_major:
        raise BackupError(f"{tool} is version {tool_major}, the server {server_major}: install "
                          f"postgresql-client-{server_major} (or newer) and set "
                          "RISKREG_PG_BIN_DIR if it is not first on PATH.")


def _run(args: list[str], database: Database, what: str) -> None:
    env = dict(os.environ)
    if database.url.password:
        env["PGPASSWORD"] = str(database.url.password)
    # An argument list, no shell; the program is the resolved path of pg_dump/pg_restore.
    result = subprocess.run(args, capture_output=True, text=True, env=env,  # nosec B603
                            check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): "
                          f"{result.stderr.strip()[-2000:]}")


# -- the commands -----------------------------------------------------------------------
def _run_command(action, *args, **kwargs) -> Manifest:
    """Run backup/restore; expected failures become a one-line error, never a traceback."""
    try:
        return action(current_app._get_current_object(), *args, **kwargs)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise click.ClickException(f"Database error: {reason}") from exc


def init_backup_cli(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(path: Path) -> None:
        """Back up the database (and RISKREG_FILES_DIR) into PATH, a new tar file.

        Safe while Riskreg runs: SQLite through its online backup API, PostgreSQL through
        pg_dump (one snapshot)."""
        manifest = _run_command(backup, path)
        click.echo(f"Backed up the {manifest.dialect} database (revision "
                   f"{manifest.alembic_revision or 'none'}) and {manifest.files} files "
                   f"to {path}.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True,
                  help="Replace a database (and files directory) that is not empty.")
    def restore_command(path: Path, force: bool) -> None:
        """Restore a backup made by `flask backup` into an empty database.

        Stop Riskreg first. After restoring an older backup, run `flask db upgrade`."""
        manifest = _run_command(restore, path, force=force)
        click.echo(f"Restored the {manifest.dialect} database of {manifest.created_at} "
                   f"(revision {manifest.alembic_revision or 'none'}) and {manifest.files} "
                   f"files from {path}.")
        click.echo("Run `flask db upgrade` if this Riskreg is newer than the backup.")
