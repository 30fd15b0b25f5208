"""20 users at once against gunicorn (4 workers × 2 threads, the production configuration)
on a scratch database of this pass's kind: no lost update, no 5xx, one number per risk.

* Same version: 20 users open the same risk (10 the re-assessment form, 10 the edit form),
  wait for each other and save at the same moment, all with the version they read.
  Exactly one is saved; the 19 others get the 409 page.
* Retry: the same 20 users each save until saved (re-reading after a 409, at most
  ``ATTEMPTS`` times). Every save is audited; replaying the audit events in order gives
  the stored risk and assessment, each event's "old" values being what the one before
  saved (a lost update would break the chain); the version grew by the number of saves.
* Creation: 20 users create a risk in one plan at the same moment with the number left
  empty: 20 risks, 20 different numbers, each with its create event. Then 20 ask for the
  same free number: one gets it, 19 get the form error.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

import pytest
from sqlalchemy import func, select

from riskreg.models import AuditEvent, Risk, RiskAssessment, Unit
from tests.conftest import DEMO_USERS
from tests.faults.live import Browser, engine_for, location_id
from tests.faults.writers import step_options

pytestmark = pytest.mark.slow

CLIENTS = 20
ATTEMPTS = 25  # a user fails only when another saved in between: 20 always suffice
TIMEOUT = 120  # seconds for one phase
TEXT_FIELDS = ("event", "consequence_text", "cause", "mitigation", "control_method",
               "handling_question", "handling_type", "method")


def _all_at_once(work: Callable[[int, threading.Barrier], object], clients: int = CLIENTS
                 ) -> list:
    """Run ``work(i, barrier)`` for every client in its own thread; the barrier lines the
    clients up so that their POSTs leave together."""
    barrier = threading.Barrier(clients, timeout=TIMEOUT)

    def run(i: int):
        try:
            return work(i, barrier)
        except BaseException:
            barrier.abort()  # the others stop waiting for this client
            raise

    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(run, i) for i in range(clients)]
        wait(futures, timeout=TIMEOUT)
        failed = [f.exception(0) for f in futures if f.done() and f.exception(0)]
        first = next((e for e in failed if not isinstance(e, threading.BrokenBarrierError)),
                     failed[0] if failed else None)
        if first is not None:
            raise first
        return [f.result(timeout=TIMEOUT) for f in futures]


def _edit(browser: Browser, risk_id: int, i: int, tag: str):
    """Re-assess (even clients) or edit the texts (odd clients): (form action, data)."""
    if i % 2 == 0:
        form = browser.form(f"/risks/{risk_id}/assess")
        return form.action, form.filled(likelihood=str(1 + i % 4),
                                        consequence=str(1 + (i // 4) % 4), comment=tag)
    form = browser.form(f"/risks/{risk_id}/edit")
    return form.action, form.filled(event=tag, cause=f"cause of {tag}")


def test_concurrent_edits_and_creations_lose_nothing(gunicorn, live_database, figures):
    server = gunicorn(workers=4, threads=2)
    engine = engine_for(live_database)
    with engine.connect() as c:
        unit_id = c.scalar(select(Unit.id).where(Unit.code == "NLL-RS"))
    emails = [DEMO_USERS["coordinator"], DEMO_USERS["owner"]]
    browsers = _all_at_once(lambda i, _b: Browser(server.base).login(emails[i % 2]))

    # A risk of the demo owner, with a first assessment, made through the form.
    coordinator = browsers[0]
    form = coordinator.form(f"/risks/new?unit={unit_id}")
    owner_option = next(o for o in step_options(form, "owner_id")
                        if DEMO_USERS["owner"] in _option_label(coordinator, unit_id, o))
    made = coordinator.post(form.action, form.filled(
        kind="unit", title="Samtidig risk", event="Samtidig risk", number="",
        owner_id=owner_option,
        period=step_options(form, "period")[0], likelihood="2", consequence="2"))
    assert made.status_code == 302, made.text[:500]
    risk_id = location_id(made)
    with engine.connect() as c:
        version_before = c.scalar(select(Risk.version).where(Risk.id == risk_id))
        first_event = c.scalar(select(func.max(AuditEvent.id)))

    # 1. Same version: one save, 19 conflicts.
    def same_version(i: int, barrier: threading.Barrier) -> tuple[str, int]:
        tag = f"same {i}"
        action, data = _edit(browsers[i], risk_id, i, tag)
        barrier.wait()
        return tag, browsers[i].post(action, data).status_code

    first = _all_at_once(same_version)
    statuses = Counter(s for _t, s in first)
    assert not [s for s in statuses if s >= 500], statuses
    assert statuses == {302: 1, 409: CLIENTS - 1}, statuses

    # 2. Until saved: every user's edit lands once, none over another's.
    def until_saved(i: int, barrier: threading.Barrier) -> tuple[str, list[int]]:
        tag = f"retry {i}"
        barrier.wait()
        answers = []
        for _ in range(ATTEMPTS):
            action, data = _edit(browsers[i], risk_id, i, tag)
            answers.append(browsers[i].post(action, data).status_code)
            if answers[-1] != 409:
                break
        return tag, answers

    second = _all_at_once(until_saved)
    answers = Counter(s for _t, a in second for s in a)
    assert not [s for s in answers if s >= 500], answers
    assert set(answers) <= {302, 409}, answers
    assert all(a[-1] == 302 for _t, a in second), second
    saved_tags = {t for t, s in first if s == 302} | {t for t, _a in second}
    saves = len(saved_tags)
    _check_history(engine, risk_id, first_event, version_before, saved_tags)

    # 3. Creations at the same moment, the number left empty.
    with engine.connect() as c:
        plan_numbers = set(c.scalars(select(Risk.number).where(
            Risk.plan_id == c.scalar(select(Risk.plan_id).where(Risk.id == risk_id)))))

    # Coordinators create: the ten signed in above and ten more sessions.
    creators = [b for i, b in enumerate(browsers) if i % 2 == 0] + _all_at_once(
        lambda _i, _b: Browser(server.base).login(DEMO_USERS["coordinator"]), CLIENTS // 2)

    def create(i: int, barrier: threading.Barrier, number: str = "") -> tuple[str, int]:
        form = creators[i].form(f"/risks/new?unit={unit_id}")
        tag = f"created {number or 'auto'} {i}"
        data = form.filled(kind="unit", title=tag, event=tag, number=number,
                           owner_id=step_options(form, "owner_id")[0])
        barrier.wait()
        return tag, creators[i].post(form.action, data).status_code

    created = _all_at_once(create)
    statuses = Counter(s for _t, s in created)
    assert statuses == {302: CLIENTS}, statuses
    numbers = _numbers_of(engine, [t for t, _s in created])
    assert len(set(numbers.values())) == CLIENTS, numbers
    assert not set(numbers.values()) & plan_numbers

    # 4. The same chosen number at the same moment: one gets it.
    wanted = str(max(plan_numbers | set(numbers.values())) + 5)
    chosen = _all_at_once(lambda i, b: create(i, b, wanted))
    statuses = Counter(s for _t, s in chosen)
    assert statuses == {302: 1, 400: CLIENTS - 1}, statuses
    winner = [t for t, s in chosen if s == 302]
    assert _numbers_of(engine, winner) == {winner[0]: int(wanted)}
    assert len(_numbers_of(engine, [t for t, _s in chosen])) == 1
    engine.dispose()

    figures.update({
        "same-version edits": f"{CLIENTS} -> 1 saved, {CLIENTS - 1} x 409",
        "retried edits": f"{CLIENTS} saved after {sum(answers.values())} POSTs "
                         f"({answers[409]} x 409)",
        "saves audited and chained": saves,
        "concurrent creations": f"{CLIENTS} -> {len(set(numbers.values()))} numbers",
        "same chosen number": f"{CLIENTS} -> 1 saved, {CLIENTS - 1} x 400",
        "5xx": 0,
    })


def _option_label(browser: Browser, unit_id: int, value: str) -> str:
    """The text of the owner option ``value`` on the new-risk form."""
    html = browser.get(f"/risks/new?unit={unit_id}").text
    start = html.index(f'<option value="{value}"')
    return html[start:html.index("</option>", start)]


def _numbers_of(engine, tags: list[str]) -> dict[str, int]:
    with engine.connect() as c:
        rows = c.execute(select(Risk.id, Risk.event, Risk.number)
                         .where(Risk.event.in_(tags))).all()
        creates = set(c.scalars(select(AuditEvent.object_id).where(
            AuditEvent.object_type == "risk", AuditEvent.action == "create",
            AuditEvent.object_id.in_([r.id for r in rows]))))
    assert creates == {r.id for r in rows}, "a risk without its create event"
    return {r.event: r.number for r in rows}


def _check_history(engine, risk_id: int, first_event: int, version_before: int,
                   saved_tags: set[str]) -> None:
    """Replay the risk's audit events: each change starts from what the one before saved,
    the result is what is stored, one event per save, the version counts the saves."""
    events_t = AuditEvent.__table__
    with engine.connect() as c:
        events = list(c.execute(select(events_t).where(
            events_t.c.object_type == "risk", events_t.c.object_id == risk_id)
            .order_by(events_t.c.id)))
        risk = c.execute(select(Risk.__table__).where(Risk.id == risk_id)).one()
        assessment = c.execute(select(RiskAssessment.__table__)
                               .where(RiskAssessment.risk_id == risk_id)).one()
    texts: dict = {}
    assessed: dict = {}
    for e in events:
        state = texts if e.action in ("create", "update") else assessed
        if e.old:  # a change: it was made to what the previous save left
            assert {k: state.get(k) for k in e.old} == e.old, f"lost update at event {e.id}"
        state.update(e.new)
    assert {k: texts[k] for k in TEXT_FIELDS} == {k: getattr(risk, k) for k in TEXT_FIELDS}
    assert assessed == {"period": str(assessment.period), "likelihood": assessment.likelihood,
                        "consequence": assessment.consequence, "value": assessment.value,
                        "comment": assessment.comment}
    later = [e for e in events if e.id > first_event]
    assert len(later) == len(saved_tags), (len(later), len(saved_tags))
    said = {(e.new or {}).get("comment") for e in later} | {
        (e.new or {}).get("event") for e in later}
    assert saved_tags <= said, saved_tags - said
    assert risk.version == version_before + len(saved_tags)
