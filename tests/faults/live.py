"""Riskreg as it runs in production, for the fault tests: gunicorn with several worker
processes (``gunicorn wsgi:app`` from the project root, so gunicorn.conf.py applies) on
127.0.0.1 and a free port, the production configuration, a Redis of its own for the
sign-in counters, and a scratch database migrated by Alembic and loaded with the demo data.

Everything here is started by the test and ended by it: the server's processes are in a
session of their own (killed as a group), a scratch PostgreSQL database is dropped with
FORCE, the Redis process is stopped. Every HTTP request goes to 127.0.0.1 only, without
proxies from the environment, with a timeout.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from riskreg.config import TestConfig
from riskreg.seed import DEMO_PASSWORD
from tests.conftest import csrf_token_in
from tests.faults.htmlforms import HtmlForm, form_posting_to

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
SUITE_URL = TestConfig.SQLALCHEMY_DATABASE_URI
REQUEST_TIMEOUT = 30  # seconds for one HTTP request
START_TIMEOUT = 60  # seconds for gunicorn to answer /healthz


def suite_kind() -> str:
    """The database of this test pass: the fault tests run on it only (once per pass)."""
    return "postgresql" if SUITE_URL.startswith("postgresql") else "sqlite"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# -- scratch databases ------------------------------------------------------------------
def _pg_admin(statement: str) -> None:
    import psycopg

    url = make_url(SUITE_URL).set(drivername="postgresql", database="postgres")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(statement)


@contextlib.contextmanager
def scratch_database(kind: str, directory: Path) -> Iterator[str]:
    """The URL of a new database with the schema from Alembic and the demo data: a SQLite
    file in ``directory``, or ``riskreg_fault_<random>`` on the suite's PostgreSQL server
    (dropped afterwards, whatever happened)."""
    name = f"riskreg_fault_{uuid.uuid4().hex[:12]}"
    if kind == "sqlite":
        url = f"sqlite:///{directory / (name + '.sqlite3')}"
        _migrate_and_seed(url)
        yield url
        return
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(SUITE_URL).set(database=name).render_as_string(hide_password=False)
        _migrate_and_seed(url)
        yield url
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate_and_seed(url: str) -> None:
    from flask_migrate import upgrade

    from riskreg import create_app
    from riskreg.extensions import db
    from riskreg.seed import seed_demo

    config = type("FaultSeedConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "REQUEST_LOG": False,
    })
    app = create_app(config)
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def engine_for(url: str) -> Engine:
    """An engine for checking the database from outside the server."""
    return create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})


# -- processes --------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers under its master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            # pid (comm) state ppid ...: comm may hold spaces and parentheses
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _wait_gone(pids: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists()
                 and "Z" not in _state(p)]
        if not alive:
            return
        time.sleep(0.05)


def _state(pid: int) -> str:
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return "Z"


@dataclass
class Redis:
    """A private redis-server on 127.0.0.1 (no persistence) for the limiter's counters, or
    the one on 127.0.0.1:6379 when redis-server is not installed."""

    url: str = ""
    process: subprocess.Popen | None = None

    def start(self) -> Redis:
        binary = shutil.which("redis-server")
        if binary is None:
            self.url = f"redis://{HOST}:6379/0"
            return self
        port = free_port()
        self.process = subprocess.Popen(
            [binary, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.url = f"redis://{HOST}:{port}/0"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.5):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@dataclass
class Gunicorn:
    """``gunicorn wsgi:app`` with ``workers`` processes (and ``threads`` each) on a
    scratch database. ``start`` waits for /healthz; ``kill_workers`` SIGKILLs the workers
    (the master starts new ones); ``kill`` SIGKILLs master and workers at once."""

    database_url: str
    redis_url: str
    log: Path
    workers: int = 2
    threads: int = 1
    secret: str = field(default_factory=lambda: secrets.token_hex(32))
    process: subprocess.Popen | None = None
    port: int = 0
    starts: int = 0

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("RISKREG_") and not k.lower().endswith("_proxy")}
        env.update({
            "RISKREG_ENV": "production",
            "RISKREG_DATABASE_URL": self.database_url,
            "RISKREG_SECRET_KEY": self.secret,
            "RISKREG_INSECURE_COOKIES": "1",  # plain HTTP on 127.0.0.1
            "RISKREG_RATELIMIT_STORAGE_URL": self.redis_url,
            "PYTHONPATH": str(ROOT),
        })
        return env

    def start(self) -> Gunicorn:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.port = free_port()
        self.starts += 1
        command = [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{self.port}",
                   "--workers", str(self.workers), "--threads", str(self.threads),
                   "--timeout", "60", "--graceful-timeout", "5", "wsgi:app"]
        with self.log.open("a") as out:
            out.write(f"\n--- start {self.starts}: {' '.join(command)}\n")
            out.flush()
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.environment(),
                                            stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                if local_session().get(f"{self.base}/healthz", timeout=2).status_code == 200 \
                        and len(self.worker_pids()) == self.workers:
                    return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT} s:\n"
                           f"{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        return _children(self.process.pid) if self.process else []

    def kill_workers(self) -> list[int]:
        """SIGKILL every worker (mid-request); the master lives on and forks new ones."""
        pids = self.worker_pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return pids

    def wait_for_workers(self, old: list[int], timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) == self.workers and not set(pids) & set(old):
                with contextlib.suppress(requests.RequestException):
                    if local_session().get(f"{self.base}/healthz", timeout=2).ok:
                        return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not replace its workers:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the master and its workers at once (the whole process group)."""
        if self.process is None:
            return
        pids = [self.process.pid, *self.worker_pids()]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)
        _wait_gone(pids, 10)

    def stop(self) -> None:
        """A graceful stop (SIGTERM), SIGKILL after 15 s."""
        if self.process is None or self.process.poll() is not None:
            return
        pids = [self.process.pid, *self.worker_pids()]
        self.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        _wait_gone(pids, 10)

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


# -- a browser of one user ----------------------------------------------------------------
def local_session() -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # no proxy, no netrc: 127.0.0.1 only
    # A fresh connection per request: gunicorn closes an idle keep-alive connection after
    # two seconds, and a client that reuses it at that moment gets "connection reset"
    # (seen under CI load) — a race of the harness, not an answer of the app.
    s.headers["Connection"] = "close"
    return s


_VERSION = re.compile(r'<input[^>]*\bname="version"[^>]*\bvalue="(\d+)"')


class Browser:
    """One user's cookie session against the live server; POSTs never follow redirects."""

    def __init__(self, base: str) -> None:
        assert base.startswith(f"http://{HOST}:"), base
        self.base = base
        self.http = local_session()

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=REQUEST_TIMEOUT, allow_redirects=False)

    def post(self, path: str, data: dict) -> requests.Response:
        return self.http.post(self.base + path, data=data, timeout=REQUEST_TIMEOUT,
                              allow_redirects=False)

    def form(self, page: str, action: str | None = None) -> HtmlForm:
        """The POST form to ``action`` (default: the page itself) as the page shows it."""
        response = self.get(page)
        assert response.status_code == 200, (page, response.status_code)
        return form_posting_to(response.text, page, action or page)

    def login(self, email: str, password: str = DEMO_PASSWORD) -> Browser:
        page = self.get("/login")
        token = csrf_token_in(page.text)
        response = self.post("/login", {"email": email, "password": password,
                                        "csrf_token": token})
        assert response.status_code == 302, (email, response.status_code)
        return self


def location_id(response: requests.Response) -> int:
    """The id at the end of a redirect to /risks/<id>."""
    match = re.search(r"/risks/(\d+)$", response.headers.get("Location", ""))
    assert match, response.headers.get("Location")
    return int(match.group(1))
