"""The week before a tertial deadline, as a load (issue 14, item 5): owners open their
risks and re-assess them, coordinators filter the register, board reviewers open heat
maps and the board view. Run headless against gunicorn on 127.0.0.1 with a database made
by ``benchmarks.generate`` (the region size); see benchmarks/README.md and
``benchmarks/load.sh``, which steps the users up.

Each simulated user signs in once, as in a working day (the generated accounts
owner0@, coordinator0@ and board0@bench.example): on its first start, outside the
statistics, and its session cookie is kept in RISKREG_LOAD_SESSIONS (a directory) by
its slot number, so that the next, larger step of benchmarks/load.sh reuses it instead
of signing in again (a sign-in is an argon2 hash: deliberately expensive). Sign-in
throttling counts per address and every simulated user comes from 127.0.0.1: the load
run raises RISKREG_LOGIN_ADDRESS_LIMIT (it counts failed sign-ins only; none fail here).

A re-assessment that meets another user's save of the same risk gets the 409 conflict
page; that is the application working (optimistic locking), so it is reported under its
own name ("assess: conflict") and not as a failure.

    locust -f benchmarks/locustfile.py --headless -H http://127.0.0.1:8765 -u 40 -r 4 -t 60s \
        --reset-stats Owner Coordinator BoardReviewer
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from collections import defaultdict
from pathlib import Path

import requests
from locust import HttpUser, between, task

from benchmarks.generate import PASSWORD, SIZES

PERIOD = "2026-T3"  # the server runs with RISKREG_TODAY in it
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"')
RISK_LINK = re.compile(r'href="/risks/(\d+)(?:\?|")')
RISKS = SIZES["region"].risks_per_org
ROOT = 1
SESSIONS = Path(os.environ.get("RISKREG_LOAD_SESSIONS", "/tmp/riskreg-load/sessions"))
_slots: dict[str, itertools.count] = defaultdict(itertools.count)  # per user class


def _token(html: str) -> str:
    found = CSRF.search(html)
    if found is None:
        raise RuntimeError("no csrf_token on the page")
    return found.group(1)


class Signed(HttpUser):
    abstract = True
    email = ""
    wait_time = between(1, 3)  # a person reads between clicks

    def on_start(self) -> None:
        kind = type(self).__name__
        kept = SESSIONS / f"{kind}-{next(_slots[kind])}.json"
        if kept.exists():
            self._use(json.loads(kept.read_text()))
            return
        with requests.Session() as browser:  # not in the statistics
            page = browser.get(f"{self.host}/login")
            response = browser.post(
                f"{self.host}/login", allow_redirects=False,
                data={"email": self.email, "password": PASSWORD,
                      "csrf_token": _token(page.text)})
            if response.status_code != 302:
                raise RuntimeError(f"sign-in of {self.email}: {response.status_code}")
            cookies = [dict(name=c.name, value=c.value, domain=c.domain, path=c.path)
                       for c in browser.cookies]
        SESSIONS.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps(cookies))
        self._use(cookies)

    def _use(self, cookies: list[dict]) -> None:
        """The session cookie with its domain and path, so that the server's later
        Set-Cookie replaces it instead of sitting beside it."""
        for c in cookies:
            self.client.cookies.set(c["name"], c["value"], domain=c["domain"], path=c["path"])


class Owner(Signed):
    """Opens the list of their own risks, a risk, and re-assesses it."""

    weight = 5
    email = "owner0@bench.example"

    @task(2)
    def my_risks(self) -> None:
        page = random.randint(1, RISKS // 50 - 10)
        self.client.get(f"/risks/?owner=2&period={PERIOD}&page={page}", name="my risks")

    @task(3)
    def reassess(self) -> None:
        page = random.randint(1, RISKS // 50 - 10)
        listing = self.client.get(f"/risks/?owner=2&period={PERIOD}&page={page}",
                                  name="my risks")
        ids = RISK_LINK.findall(listing.text)
        if not ids:
            return
        risk_id = random.choice(ids)
        self.client.get(f"/risks/{risk_id}", name="risk page")
        form = self.client.get(f"/risks/{risk_id}/assess", name="assess form")
        version = VERSION.search(form.text)
        if version is None:
            return
        with self.client.post(
                f"/risks/{risk_id}/assess", name="assess", allow_redirects=False,
                catch_response=True,
                data={"csrf_token": _token(form.text), "version": version.group(1),
                      "period": PERIOD, "likelihood": random.randint(1, 4),
                      "consequence": random.randint(1, 4), "comment": "Inför DÅ"}) as saved:
            if saved.status_code == 409:
                saved.success()
                self.environment.events.request.fire(
                    request_type="POST", name="assess: conflict", response_time=0,
                    response_length=0, exception=None, context={})
            elif saved.status_code != 302:
                saved.failure(f"assess answered {saved.status_code}")


class Coordinator(Signed):
    """Filters the register of the whole organisation."""

    weight = 3
    email = "coordinator0@bench.example"

    @task(3)
    def by_value(self) -> None:
        self.client.get(f"/risks/?unit={ROOT}&include_subunits=y&period={PERIOD}&sort=-value",
                        name="register by value")

    @task(2)
    def filtered(self) -> None:
        kind = random.choice(("unit", "success_factor"))
        self.client.get(f"/risks/?unit={ROOT}&include_subunits=y&period={PERIOD}&kind={kind}"
                        f"&sort=unit&page={random.randint(1, 20)}", name="register filtered")

    @task(1)
    def search(self) -> None:
        self.client.get(f"/risks/?period={PERIOD}&q=Risk+{random.randint(1, RISKS)}",
                        name="register search")


class BoardReviewer(Signed):
    """Opens the heat maps (whole organisation and a division) and the board view."""

    weight = 2
    email = "board0@bench.example"

    @task(3)
    def heatmap(self) -> None:
        self.client.get(f"/heatmaps/?unit={ROOT}&period={PERIOD}", name="heat map")

    @task(2)
    def division(self) -> None:
        self.client.get(f"/heatmaps/?unit={random.randint(3, 10)}&period={PERIOD}",
                        name="heat map division")

    @task(2)
    def board(self) -> None:
        self.client.get(f"/board/?period={PERIOD}", name="board view")


class Probe(HttpUser):
    """/healthz alone: the server's ceiling (named alone on the command line)."""

    wait_time = between(0, 0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="healthz")
