"""Users writing through the real forms of a live server, and the ledger of what it answered.

A write is *acknowledged* when the server answered its POST with 302 (the unit of work
commits before the answer leaves). A POST without an answer (the worker was killed, the
connection reset) may or may not have been saved: if it was, it must be whole.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import requests

from tests.faults.live import Browser, location_id

# What a dead or dying server does to a request: no HTTP status at all.
NO_ANSWER = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


@dataclass(frozen=True)
class Write:
    kind: str  # "create" or "assess"
    tag: str  # the risk's event text (create) or the assessment's comment (assess)
    risk_id: int | None  # the risk created or assessed (None: a create without an answer)
    status: int | None  # None: no answer

    @property
    def acknowledged(self) -> bool:
        return self.status == 302


@dataclass
class Ledger:
    writes: list[Write] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, write: Write) -> None:
        with self.lock:
            self.writes.append(write)

    def snapshot(self) -> list[Write]:
        with self.lock:
            return list(self.writes)

    @property
    def acknowledged(self) -> int:
        return sum(w.acknowledged for w in self.snapshot())

    def wait_for(self, acknowledged: int, timeout: float, writers: list[RiskWriter]) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.acknowledged >= acknowledged:
                return
            errors = [w.error for w in writers if w.error is not None]
            assert not errors, errors
            time.sleep(0.02)
        raise AssertionError(f"only {self.acknowledged} of {acknowledged} writes were "
                             f"acknowledged within {timeout} s: {self.snapshot()[-5:]}")


def wait_for_a_post(writers: list[RiskWriter], timeout: float = 10) -> bool:
    """Wait until some writer's POST is on its way (so that a kill lands mid-write)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(w.posting.is_set() for w in writers):
            return True
        time.sleep(0.001)
    return False


def step_options(form, name: str) -> list[str]:
    return [o for o in form.options[name] if o]


class RiskWriter(threading.Thread):
    """Creates risks on one unit and re-assesses the last one it created, in turns, through
    the forms (GET the form for its CSRF token and version, POST it), at most
    ``max_writes`` times or until ``stop`` is set. Requests that get no answer are recorded
    (POSTs) or retried (GETs); any other surprise ends the thread with ``error`` set."""

    def __init__(self, base: str, email: str, unit_id: int, name: str, ledger: Ledger,
                 stop: threading.Event, max_writes: int = 400) -> None:
        super().__init__(name=name, daemon=True)
        self.base, self.email, self.unit_id = base, email, unit_id
        self.ledger, self.stop, self.max_writes = ledger, stop, max_writes
        self.error: BaseException | None = None
        self.own: int | None = None
        self.seq = 0
        self.posting = threading.Event()  # set while a POST waits for its answer

    def run(self) -> None:
        try:
            browser = self._signed_in()
            for i in range(self.max_writes):
                if self.stop.is_set():
                    return
                try:
                    if self.own is None or i % 2 == 0:
                        self._create(browser)
                    else:
                        self._assess(browser)
                except NO_ANSWER:
                    time.sleep(0.05)  # a killed worker; the master forks a new one
        except BaseException as exc:  # reported by the test
            self.error = exc

    def _signed_in(self) -> Browser:
        for _ in range(100):
            try:
                return Browser(self.base).login(self.email)
            except NO_ANSWER:
                time.sleep(0.1)
        raise AssertionError("could not sign in")

    def _tag(self, kind: str) -> str:
        self.seq += 1
        return f"fault {self.name} {kind} {self.seq}"

    def _post(self, browser: Browser, kind: str, tag: str, risk_id: int | None, action: str,
              data: dict) -> requests.Response | None:
        self.posting.set()
        try:
            response = browser.post(action, data)
        except NO_ANSWER:
            self.ledger.add(Write(kind, tag, risk_id, None))
            raise
        finally:
            self.posting.clear()
        self.ledger.add(Write(kind, tag, risk_id if response.status_code != 302 or risk_id
                              else location_id(response), response.status_code))
        assert response.status_code == 302, (kind, response.status_code, response.text[:500])
        return response

    def _create(self, browser: Browser) -> None:
        page = f"/risks/new?unit={self.unit_id}"
        form = browser.form(page)
        tag = self._tag("create")
        data = form.filled(kind="unit", title=tag[:120], event=tag, number="",
                           owner_id=step_options(form, "owner_id")[0],
                           period=step_options(form, "period")[0],
                           likelihood=str(1 + self.seq % 4), consequence=str(1 + self.seq % 3))
        response = self._post(browser, "create", tag, None, form.action, data)
        self.own = location_id(response)

    def _assess(self, browser: Browser) -> None:
        page = f"/risks/{self.own}/assess"
        form = browser.form(page)
        tag = self._tag("assess")
        data = form.filled(likelihood=str(1 + self.seq % 4),
                           consequence=str(1 + (self.seq // 2) % 4), comment=tag)
        self._post(browser, "assess", tag, self.own, form.action, data)
