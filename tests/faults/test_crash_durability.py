"""kill -9 during writes: every acknowledged write survives with its audit event, and no
write is half-saved.

Riskreg runs under gunicorn (2 worker processes, the production configuration) on a scratch
database of this pass's kind. Three users create risks (with a first assessment) and
re-assess them through the real forms, in a loop. Mid-way the workers are SIGKILLed (the
master forks new ones and the writers carry on), then the master and its workers together;
gunicorn is started again on the same database and a writer checks that it works. Then
the database must hold:

* every acknowledged (302) creation: the risk with its text, one ``create`` event and the
  ``assess`` event of its first assessment;
* every acknowledged re-assessment: its ``assess`` event;
* nothing half-saved, acknowledged or not: no risk without its ``create`` event, no
  ``create`` event without its risk, and every assessment row equal to what its ``assess``
  events say, replayed in order.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from riskreg.models import AuditEvent, Risk, RiskAssessment, Unit
from tests.conftest import DEMO_USERS
from tests.faults.live import engine_for
from tests.faults.writers import Ledger, RiskWriter, Write, wait_for_a_post

pytestmark = pytest.mark.slow

ROUND = 12  # acknowledged writes between two kills
TIMEOUT = 90  # seconds for any one phase


def _writers(base: str, unit_id: int, ledger: Ledger, stop: threading.Event, prefix: str,
             max_writes: int = 400) -> list[RiskWriter]:
    # Coordinators create and re-assess; one writer per user session, three sessions.
    emails = [DEMO_USERS["coordinator"]] * 3
    made = [RiskWriter(base, email, unit_id, f"{prefix}{i}", ledger, stop, max_writes)
            for i, email in enumerate(emails)]
    for w in made:
        w.start()
    return made


def _join(writers: list[RiskWriter]) -> None:
    for w in writers:
        w.join(TIMEOUT)
        assert not w.is_alive(), f"{w.name} did not stop"


def test_acknowledged_writes_survive_sigkill_of_workers_and_master(gunicorn, live_database,
                                                                   figures):
    engine = engine_for(live_database)
    with engine.connect() as c:
        unit_id = c.scalar(select(Unit.id).where(Unit.code == "NLL-RS"))
        first_risk = (c.scalar(select(func.max(Risk.id))) or 0) + 1
        first_event = (c.scalar(select(func.max(AuditEvent.id))) or 0) + 1
    ledger = Ledger()
    stop = threading.Event()

    server = gunicorn(workers=2)
    writers = _writers(server.base, unit_id, ledger, stop, "w")
    try:
        # 1. SIGKILL the workers mid-write; the master forks new ones, the writers go on.
        ledger.wait_for(ROUND, TIMEOUT, writers)
        wait_for_a_post(writers)
        old = server.kill_workers()
        server.wait_for_workers(old)
        ledger.wait_for(ledger.acknowledged + ROUND, TIMEOUT, writers)
        # 2. SIGKILL master and workers at once, mid-write.
        server.kill()
    finally:
        stop.set()
        _join(writers)
    errors = [(w.name, w.error) for w in writers if w.error is not None]
    assert not errors, errors
    killed = ledger.snapshot()

    # 3. Start again on the same database: it works, and it is the only writer now.
    restarted = gunicorn(workers=2)
    after = _writers(restarted.base, unit_id, ledger, threading.Event(), "r", max_writes=4)
    _join(after)
    errors = [(w.name, w.error) for w in after if w.error is not None]
    assert not errors, errors
    restarted.stop()

    writes = ledger.snapshot()
    assert all(w.acknowledged for w in writes[len(killed):]), writes[len(killed):]
    verified = _verify(engine, writes, first_risk, first_event)
    engine.dispose()

    statuses = Counter("no answer" if w.status is None else w.status for w in killed)
    assert set(statuses) <= {302, "no answer"}, statuses  # never a 5xx or a refusal
    figures.update({
        "writes posted": len(writes),
        "acknowledged": sum(w.acknowledged for w in writes),
        "unanswered (killed mid-request)": statuses["no answer"],
        "unanswered but saved whole": verified["unanswered saved"],
        "verified with audit": verified["acknowledged verified"],
        "risks checked": verified["risks"],
        "assessment rows checked": verified["assessments"],
        "kills": "workers x1, master+workers x1",
    })


def _verify(engine, writes: list[Write], first_risk: int, first_event: int) -> dict[str, int]:
    risk_t, assessment_t, event_t = (Risk.__table__, RiskAssessment.__table__,
                                     AuditEvent.__table__)
    with engine.connect() as c:
        risks = {r.id: r for r in c.execute(select(risk_t).where(risk_t.c.id >= first_risk))}
        rows = list(c.execute(select(assessment_t)
                              .where(assessment_t.c.risk_id >= first_risk)))
        events = list(c.execute(select(event_t)
                                .where(event_t.c.id >= first_event,
                                       event_t.c.object_type == "risk")
                                .order_by(event_t.c.id)))
    creates = Counter(e.object_id for e in events if e.action == "create")
    assessed: dict[int, list] = defaultdict(list)
    for e in events:
        if e.action == "assess":
            assessed[e.object_id].append(e)

    # Nothing half-saved: a risk and its create event exist together, or neither does.
    assert set(risks) == set(creates), (set(risks) ^ set(creates))
    assert all(n == 1 for n in creates.values()), creates
    # Every assessment row is what its audit events say (replayed in order).
    assert {r.risk_id for r in rows} == set(assessed), {r.risk_id for r in rows} ^ set(assessed)
    for row in rows:
        replayed: dict = {}
        for e in assessed[row.risk_id]:
            if e.old is not None:  # a change: what it changed from is what was saved
                assert {k: replayed.get(k) for k in e.old} == e.old, (row.risk_id, e.id)
            replayed.update(e.new)
        assert replayed == {"period": str(row.period), "likelihood": row.likelihood,
                            "consequence": row.consequence, "value": row.value,
                            "comment": row.comment}, row.risk_id

    # Every acknowledged write is there with its audit event.
    by_event = {r.event: r.id for r in risks.values()}
    comments = {(e.object_id, (e.new or {}).get("comment")) for es in assessed.values()
                for e in es}
    verified = unanswered_saved = 0
    for w in writes:
        if w.kind == "create":
            saved = w.tag in by_event and (w.risk_id in (None, by_event[w.tag]))
            if saved:
                assert creates[by_event[w.tag]] == 1 and assessed[by_event[w.tag]], w
        else:
            saved = (w.risk_id, w.tag) in comments
        if w.acknowledged:
            assert saved, f"acknowledged but missing: {w}"
            verified += 1
        elif saved:
            unanswered_saved += 1
    return {"acknowledged verified": verified, "unanswered saved": unanswered_saved,
            "risks": len(risks), "assessments": len(rows)}
