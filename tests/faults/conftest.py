"""Fixtures of the fault tests (tests/faults/): a live gunicorn on a scratch database of this
pass's kind, and the figures the tests measured, printed at the end of the run.

The gunicorn tests carry the ``slow`` mark and run once per pass, on the pass's database
(SQLite, or PostgreSQL when RISKREG_TEST_DATABASE_URL says so), never on both in one pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.live import Gunicorn, Redis, scratch_database, suite_kind

# name -> {figure: value}, filled by the tests, printed by pytest_terminal_summary.
FIGURES: dict[str, dict[str, object]] = {}


@pytest.fixture
def figures(request) -> dict[str, object]:
    """The figures of this test (shown in the run's summary as "fault figures")."""
    return FIGURES.setdefault(f"{request.node.name} [{suite_kind()}]", {})


def pytest_terminal_summary(terminalreporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("fault figures")
    for name, values in FIGURES.items():
        shown = ", ".join(f"{k}={v}" for k, v in values.items())
        terminalreporter.write_line(f"{name}: {shown}")
    fuzzed = [v for v in FIGURES.values() if "examples" in v]
    if fuzzed:
        statuses: Counter[int] = Counter()
        for v in fuzzed:
            statuses.update(v["statuses"])
        terminalreporter.write_line(
            f"fuzz [{suite_kind()}]: {len(fuzzed)} forms and pages, {sum(statuses.values())} "
            f"requests, statuses {dict(sorted(statuses.items()))}")


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A Redis of the module's own for the limiter (several workers need shared counters:
    gunicorn.conf.py refuses memory:// with more than one worker)."""
    redis = Redis().start()
    try:
        yield redis.url
    finally:
        redis.stop()


@pytest.fixture
def live_database(tmp_path: Path) -> Iterator[str]:
    """A scratch database of this pass's kind, migrated and loaded with the demo data."""
    with scratch_database(suite_kind(), tmp_path) as url:
        yield url


@pytest.fixture
def gunicorn(live_database: str, redis_url: str, tmp_path: Path
             ) -> Iterator[Callable[..., Gunicorn]]:
    """``gunicorn(workers=2, threads=1)``: a started server on ``live_database``; every
    server made is stopped (SIGKILL if need be) when the test ends."""
    made: list[Gunicorn] = []

    def _start(workers: int = 2, threads: int = 1) -> Gunicorn:
        server = Gunicorn(live_database, redis_url, tmp_path / f"gunicorn-{len(made)}.log",
                          workers=workers, threads=threads)
        made.append(server)
        return server.start()

    try:
        yield _start
    finally:
        for server in made:
            server.kill()
            # shown by pytest when the test failed (captured output)
            print(f"--- {server.log.name} (last lines)\n{server.log_tail()}")
