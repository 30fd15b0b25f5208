"""The writes of the risk register (riskreg.risks.services), called directly: create,
re-assess, edit texts, re-assign the owner, archive. Each checks its permission rule,
validates, writes, and records exactly the expected audit events (old → new) in the
same transaction; a refusal leaves the database as it was.

The services flush and never commit: a write that a request would commit, and that a test
needs saved before it goes on (and rolls back), runs in ``uow.transaction()``; a refusal is
followed by the rollback the request's unit of work would do."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from riskreg import audit
from riskreg.auth.permissions import PermissionDenied
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models.plan import Perspective, StrategicGoal, SuccessFactor
from riskreg.models.risks import Risk, RiskAssessment
from riskreg.risks import queries, services
from riskreg.risks.services import ASSESSMENT_FIELDS, RISK_FIELDS, NewRisk
from riskreg.risks.texts import TEXT_FIELDS, RiskTexts
from riskreg.services import ServiceError
from riskreg.uow import transaction
from riskreg.versioning import StaleVersion
from tests.conftest import SECOND_OWNER, TODAY_2022_T2, db_state, unit, user
from tests.helpers.risks import (
    LS1_COORDINATOR,
    LS1_OWNER,
    NLL_BOARD,
    NLL_COORDINATOR,
    NLL_OWNER,
    SRM_COORDINATOR,
    assert_state_consistent,
    assessment,
    plan_of,
    risk,
    risk_events,
)


@pytest.fixture(autouse=True)
def _today(set_today):
    """Norrbotten's demo tertial 2022-T2 is "now" in this module."""
    set_today(TODAY_2022_T2)


def factor_id(org: str = "NLL", position: int = 0) -> int:
    ids = db.session.scalars(
        select(SuccessFactor.id)
        .join(StrategicGoal, StrategicGoal.id == SuccessFactor.goal_id)
        .join(Perspective, Perspective.id == StrategicGoal.perspective_id)
        .where(Perspective.plan_id == plan_of(org).id).order_by(SuccessFactor.id)).all()
    return ids[position]


def new_risk(**changes) -> NewRisk:
    values = dict(kind="success_factor", unit_id=unit("NLL-RS").id, plan_id=plan_of("NLL").id,
                  owner_id=user(NLL_OWNER).id, success_factor_id=factor_id(),
                  texts=RiskTexts(title="Testrisk", event="Leveranser av läkemedel uteblir",
                                  consequence_text="Vård ställs in", cause="Brist i kedjan",
                                  mitigation="Lager", control_method="Uppföljning"))
    values.update(changes)
    return NewRisk(**values)


# -- create --------------------------------------------------------------------------------
def test_coordinator_creates_a_risk_with_its_first_assessment(app, statement_log):
    actor = user(NLL_COORDINATOR)
    with statement_log() as log, transaction():
        created = services.create_risk(actor, new_risk(
            period=Period(2022, 2), likelihood=3, consequence=4))
    log.assert_one_transaction("risk", "risk_assessment", "risk_state")
    assert_state_consistent()
    db.session.expire_all()
    assert created.number == 18  # the next free number after 1–17
    assert (created.kind, created.unit.code, created.owner.email) == (
        "success_factor", "NLL-RS", NLL_OWNER)
    assert created.version == 1 and not created.archived
    [first] = created.assessments
    assert (first.period, first.likelihood, first.consequence, first.value) == (
        Period(2022, 2), 3, 4, 12)
    assert first.assessed_by_id == actor.id
    create, assess = risk_events(created)
    assert (create.action, create.user_id, create.old) == ("create", actor.id, None)
    assert create.new == audit.snapshot(created, RISK_FIELDS)
    assert create.new["event"] == "Leveranser av läkemedel uteblir"
    assert create.unit_id == unit("NLL-RS").id
    assert (assess.action, assess.old) == ("assess", None)
    assert assess.new == {"period": "2022-T2", "likelihood": 3, "consequence": 4, "value": 12,
                          "comment": None}


def test_a_unit_risk_without_assessment_gets_one_event(app):
    created = services.create_risk(user(NLL_COORDINATOR), new_risk(
        kind="unit", success_factor_id=None, number=40,
        texts=RiskTexts(title="Testrisk", event="  Dataintrång  ",
                        handling_question="Kan personalen reglerna?",
                        handling_type="control", method="Stickprov")))
    assert created.number == 40
    assert created.event == "Dataintrång"  # trimmed
    assert (created.handling_type, created.method) == ("control", "Stickprov")
    assert created.assessments == []
    [event] = risk_events(created)
    assert event.action == "create"


def test_a_coordinator_of_a_division_creates_risks_there(app):
    created = services.create_risk(user(LS1_COORDINATOR), new_risk(
        unit_id=unit("NLL-LS1-AKUT").id, owner_id=user(LS1_OWNER).id))
    assert created.unit.code == "NLL-LS1-AKUT"


BAD_NEW = {
    "kind": (dict(kind="castle"), "kind"),
    "unknown unit": (dict(unit_id=2**31 - 1), "unit_id"),
    "plan of another region": (lambda: dict(plan_id=plan_of("SRM").id), "plan_id"),
    "no success factor": (dict(success_factor_id=None), "success_factor_id"),
    "unknown success factor": (dict(success_factor_id=2**31 - 1), "success_factor_id"),
    "owner of a unit beneath": (lambda: dict(owner_id=user(LS1_OWNER).id), "owner_id"),
    "owner without the owner role": (lambda: dict(owner_id=user(NLL_COORDINATOR).id),
                                     "owner_id"),
    "unknown owner": (dict(owner_id=2**31 - 1), "owner_id"),
    "number taken": (dict(number=1), "number"),
    "no title": (dict(texts=RiskTexts(event="Text utan rubrik")), "title"),
    "blank title": (dict(texts=RiskTexts(title="  ", event="Text utan rubrik")), "title"),
    "long title": (dict(texts=RiskTexts(title="x" * 121, event="e")), "title"),
    "empty event": (dict(texts=RiskTexts(title="Testrisk", event="   ")), "event"),
    "long event": (dict(texts=RiskTexts(title="Testrisk", event="x" * 4001)), "event"),
    "long cause": (dict(texts=RiskTexts(title="Testrisk", event="e", cause="x" * 4001)), "cause"),
    "long method": (dict(kind="unit", success_factor_id=None,
                         texts=RiskTexts(title="T", event="e", method="x" * 4001)), "method"),
    "handling type": (dict(kind="unit", success_factor_id=None,
                           texts=RiskTexts(title="Testrisk", event="e", handling_type="prayer")),
                      "handling_type"),
    "future period": (dict(period=Period(2022, 3), likelihood=2, consequence=2), "period"),
    "likelihood 5": (dict(period=Period(2022, 2), likelihood=5, consequence=2), "likelihood"),
    "likelihood 0": (dict(period=Period(2022, 2), likelihood=0, consequence=2), "likelihood"),
    "no likelihood": (dict(period=Period(2022, 2), likelihood=None, consequence=2),
                      "likelihood"),
    "consequence 5": (dict(period=Period(2022, 2), likelihood=2, consequence=5), "consequence"),
}


@pytest.mark.parametrize(("changes", "field"), BAD_NEW.values(), ids=BAD_NEW.keys())
def test_create_refuses_bad_input_and_saves_nothing(app, changes, field):
    changes = changes() if callable(changes) else changes
    before = db_state()
    with pytest.raises(ServiceError) as refused:
        services.create_risk(user(NLL_COORDINATOR), new_risk(**changes))
    assert refused.value.field == field
    assert refused.value.message
    db.session.rollback()
    assert db_state() == before


def test_a_factor_of_another_plan_is_unknown(app):
    """A success factor exists, but belongs to Sörmland's plan."""
    srm_factor = factor_id("SRM") if _has_factors("SRM") else None
    if srm_factor is None:
        pytest.skip("Sörmland's plan has no success factors in the demo data")
    with pytest.raises(ServiceError) as refused:
        services.create_risk(user(NLL_COORDINATOR), new_risk(success_factor_id=srm_factor))
    assert refused.value.field == "success_factor_id"


def _has_factors(org: str) -> bool:
    return db.session.scalar(
        select(SuccessFactor.id).join(StrategicGoal, StrategicGoal.id == SuccessFactor.goal_id)
        .join(Perspective, Perspective.id == StrategicGoal.perspective_id)
        .where(Perspective.plan_id == plan_of(org).id).limit(1)) is not None


@pytest.mark.parametrize("email", [NLL_OWNER, NLL_BOARD, LS1_COORDINATOR, SRM_COORDINATOR,
                                   "admin@sormland.example"])
def test_only_a_coordinator_over_the_unit_creates(app, email):
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.create_risk(user(email), new_risk())
    db.session.rollback()
    assert db_state() == before


# -- re-assess --------------------------------------------------------------------------------
@pytest.mark.parametrize("email", [NLL_OWNER, NLL_COORDINATOR])
def test_owner_or_coordinator_re_assesses_and_history_is_kept(app, email, statement_log):
    r = risk("NLL", 1)  # 2022-T1: 2 × 3 = 6
    version, count = r.version, len(risk_events(r))
    with statement_log() as log, transaction():
        services.assess(user(email), r, Period(2022, 2), 3, 3, "  Sämre läge  ", version)
    log.assert_one_transaction("risk_assessment", "risk", "risk_state")
    assert_state_consistent()
    db.session.expire_all()
    assert [(str(a.period), a.likelihood, a.consequence, a.value) for a in r.assessments] == [
        ("2022-T1", 2, 3, 6), ("2022-T2", 3, 3, 9)]
    assert r.assessments[1].comment == "Sämre läge"
    assert r.assessments[1].assessed_by_id == user(email).id
    assert r.version == version + 1  # a stale form of the risk is now refused
    [event] = risk_events(r)[-1:]
    assert (event.action, event.user_id, event.old) == ("assess", user(email).id, None)
    assert event.new == {"period": "2022-T2", "likelihood": 3, "consequence": 3, "value": 9,
                         "comment": "Sämre läge"}
    assert len(risk_events(r)) == count + 1


def test_correcting_a_period_records_only_what_changed(app):
    r = risk("NLL", 3)  # 2022-T2: 3 × 3 = 9
    old = audit.snapshot(assessment(r, "2022-T2"), ASSESSMENT_FIELDS)
    count = len(risk_events(r))
    services.assess(user(NLL_OWNER), r, Period(2022, 2), 3, 4, old["comment"], r.version)
    events = risk_events(r)
    assert len(events) == count + 1
    assert (events[-1].action, events[-1].old, events[-1].new) == (
        "assess", {"consequence": 3, "value": 9}, {"consequence": 4, "value": 12})
    assert db.session.scalar(select(RiskAssessment.value).where(
        RiskAssessment.risk_id == r.id, RiskAssessment.period == Period(2022, 2))) == 12
    assert assessment(r, "2022-T1").value == 12  # the earlier tertial is untouched: 4 × 3
    assert_state_consistent()


def test_an_earlier_period_may_be_assessed(app):
    r = risk("NLL", 1)
    services.assess(user(NLL_OWNER), r, Period(2021, 3), 1, 1, None, r.version)
    assert [str(a.period) for a in r.assessments] == ["2021-T3", "2022-T1"]
    assert_state_consistent()


@pytest.mark.parametrize("email", [SECOND_OWNER, LS1_OWNER, NLL_BOARD, LS1_COORDINATOR,
                                   SRM_COORDINATOR, "admin@norrbotten.example"])
def test_only_the_own_owner_or_a_coordinator_assesses(app, owner2, email):
    r = risk("NLL", 1)
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.assess(user(email), r, Period(2022, 2), 3, 3, None, r.version)
    db.session.rollback()
    assert db_state() == before


BAD_ASSESS = {
    "future period": (dict(period=Period(2022, 3)), "period"),
    "far future": (dict(period=Period(2100, 3)), "period"),
    "likelihood 5": (dict(likelihood=5), "likelihood"),
    "likelihood 0": (dict(likelihood=0), "likelihood"),
    "likelihood None": (dict(likelihood=None), "likelihood"),
    "consequence 5": (dict(consequence=5), "consequence"),
    "consequence -1": (dict(consequence=-1), "consequence"),
    "long comment": (dict(comment="x" * 4001), "comment"),
}


@pytest.mark.parametrize(("changes", "field"), BAD_ASSESS.values(), ids=BAD_ASSESS.keys())
def test_assess_refuses_bad_input_and_saves_nothing(app, changes, field):
    r = risk("NLL", 1)
    args = dict(period=Period(2022, 2), likelihood=2, consequence=2, comment=None)
    args.update(changes)
    before = db_state()
    with pytest.raises(ServiceError) as refused:
        services.assess(user(NLL_OWNER), r, args["period"], args["likelihood"],
                        args["consequence"], args["comment"], r.version)
    assert refused.value.field == field
    db.session.rollback()
    assert db_state() == before


# -- the version ------------------------------------------------------------------------------
WRITES = {
    "assess": lambda actor, r, v: services.assess(actor, r, Period(2022, 2), 1, 1, None, v),
    "texts": lambda actor, r, v: services.update_texts(
        actor, r, RiskTexts(title="Testrisk", event="Ny text"), v),
    "owner": lambda actor, r, v: services.reassign_owner(actor, r, user(SECOND_OWNER).id, v),
    "archive": lambda actor, r, v: services.archive(actor, r, "Inaktuell", v),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize("stale", ["older", "none", "newer"])
def test_a_write_on_a_stale_or_missing_version_is_refused(app, owner2, write, stale):
    r = risk("NLL", 1)
    expected = {"older": r.version - 1 if r.version > 1 else 0, "none": None,
                "newer": r.version + 1}[stale]
    before = db_state()
    with pytest.raises(StaleVersion) as refused:
        write(user(NLL_COORDINATOR), r, expected)
    assert refused.value.obj is r and refused.value.submitted
    db.session.rollback()
    assert db_state() == before


def test_two_writers_on_the_same_version_the_second_is_refused(app):
    r = risk("NLL", 1)
    seen = r.version  # both opened the form here
    with transaction():  # the first one's request
        services.update_texts(user(NLL_OWNER), r, RiskTexts(title="Testrisk", event="Först"), seen,
                              r.success_factor_id)
    before = db_state()
    with pytest.raises(StaleVersion) as refused:
        services.assess(user(NLL_COORDINATOR), r, Period(2022, 2), 4, 4, "Sist", seen)
    assert refused.value.submitted["likelihood"] == 4
    db.session.rollback()
    assert db_state() == before
    assert risk("NLL", 1).event == "Först"


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_save_between_check_and_write_becomes_a_conflict(app, owner2, monkeypatch, write):
    """The version is checked again by the UPDATE itself (optimistic locking): a change
    committed by someone else after our check still ends as StaleVersion (409), never as
    an overwrite and never as a 500."""
    from sqlalchemy import update

    r = risk("NLL", 1)
    seen, count = r.version, len(risk_events(r))
    original = services._check_version

    def check_then_someone_saves(risk_obj, expected, submitted):
        original(risk_obj, expected, submitted)
        # someone else's save: the row's version moves on, our loaded object does not
        db.session.execute(update(Risk.__table__).where(Risk.id == risk_obj.id)
                           .values(version=Risk.version + 1))

    monkeypatch.setattr(services, "_check_version", check_then_someone_saves)
    with pytest.raises(StaleVersion) as refused:
        write(user(NLL_COORDINATOR), r, seen)
    assert refused.value.obj is r
    db.session.rollback()  # as the request's unit of work does before the 409 page
    r = risk("NLL", 1)
    assert (r.archived, r.owner.email, r.event != "Ny text") == (False, NLL_OWNER, True)
    assert assessment(r, "2022-T2") is None
    assert len(risk_events(r)) == count


# -- edit texts --------------------------------------------------------------------------------
def test_owner_edits_texts_and_the_event_holds_only_the_changes(app, statement_log):
    r = risk("NLL", 2)
    old_cause, version = r.cause, r.version
    texts = RiskTexts(**{f: getattr(r, f) for f in TEXT_FIELDS})
    texts.cause = "Ny orsak"
    texts.mitigation = ""  # emptied: stored as NULL
    old_mitigation = r.mitigation
    with statement_log() as log, transaction():
        services.update_texts(user(NLL_OWNER), r, texts, version, r.success_factor_id)
    log.assert_one_transaction("risk")
    db.session.expire_all()
    assert (r.cause, r.mitigation, r.version) == ("Ny orsak", None, version + 1)
    event = risk_events(r)[-1]
    assert event.action == "update"
    assert event.old == {"cause": old_cause, "mitigation": old_mitigation}
    assert event.new == {"cause": "Ny orsak", "mitigation": None}


def test_a_save_without_changes_writes_nothing(app):
    r = risk("NLL", 2)
    texts = RiskTexts(**{f: getattr(r, f) for f in TEXT_FIELDS})
    before = db_state()
    services.update_texts(user(NLL_OWNER), r, texts, r.version, r.success_factor_id)
    assert db_state() == before


def test_the_success_factor_can_be_changed(app):
    r = risk("NLL", 2)
    old, new = r.success_factor_id, factor_id(position=3)
    assert old != new
    texts = RiskTexts(**{f: getattr(r, f) for f in TEXT_FIELDS})
    services.update_texts(user(NLL_COORDINATOR), r, texts, r.version, new)
    event = risk_events(r)[-1]
    assert (event.old, event.new) == ({"success_factor_id": old}, {"success_factor_id": new})


@pytest.mark.parametrize(("changes", "field"), [
    (dict(event=""), "event"), (dict(event="x" * 4001), "event"),
    (dict(consequence_text="x" * 4001), "consequence_text"),
    (dict(control_method="x" * 4001), "control_method"),
    ("factor", "success_factor_id"),
], ids=["empty event", "long event", "long consequence", "long control method",
        "unknown factor"])
def test_edit_refuses_bad_input_and_saves_nothing(app, changes, field):
    r = risk("NLL", 2)
    texts = RiskTexts(**{f: getattr(r, f) for f in TEXT_FIELDS})
    factor = r.success_factor_id
    if changes == "factor":
        factor = 2**31 - 1
    else:
        for k, v in changes.items():
            setattr(texts, k, v)
    before = db_state()
    # re-linking to another success factor is the coordinator's (owners are refused: 403)
    editor = user(NLL_COORDINATOR if changes == "factor" else NLL_OWNER)
    with pytest.raises(ServiceError) as refused:
        services.update_texts(editor, r, texts, r.version, factor)
    assert refused.value.field == field
    db.session.rollback()
    assert db_state() == before


@pytest.mark.parametrize("email", [SECOND_OWNER, NLL_BOARD, LS1_COORDINATOR, LS1_OWNER])
def test_only_the_own_owner_or_a_coordinator_edits(app, owner2, email):
    r = risk("NLL", 2)
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.update_texts(user(email), r, RiskTexts(title="Testrisk", event="Kapat"), r.version)
    db.session.rollback()
    assert db_state() == before


# -- re-assign the owner ------------------------------------------------------------------------
def test_coordinator_reassigns_to_an_owner_of_the_unit(app, owner2, statement_log):
    r = risk("NLL", 4)
    version = r.version
    with statement_log() as log, transaction():
        services.reassign_owner(user(NLL_COORDINATOR), r, owner2.id, version)
    log.assert_one_transaction("risk")
    db.session.expire_all()
    assert (r.owner_id, r.version) == (owner2.id, version + 1)
    event = risk_events(r)[-1]
    assert (event.action, event.user_id, event.old, event.new) == (
        "reassign", user(NLL_COORDINATOR).id, {"owner": NLL_OWNER}, {"owner": SECOND_OWNER})
    # the new owner may now edit it, the old one may not
    services.assess(owner2, r, Period(2022, 2), 1, 2, None, r.version)
    with pytest.raises(PermissionDenied):
        services.assess(user(NLL_OWNER), r, Period(2022, 2), 1, 3, None, r.version)


def test_an_owner_of_the_unit_above_may_own_a_division_risk(app):
    """The owner role on NLL-RS reaches NLL-LS1 beneath it."""
    with transaction():
        created = services.create_risk(user(LS1_COORDINATOR), new_risk(
            unit_id=unit("NLL-LS1").id, owner_id=user(LS1_OWNER).id))
    with transaction():
        services.reassign_owner(user(NLL_COORDINATOR), created, user(NLL_OWNER).id,
                                created.version)
    assert created.owner.email == NLL_OWNER


@pytest.mark.parametrize("email", [LS1_OWNER, NLL_COORDINATOR, NLL_BOARD,
                                   "riskagare@sormland.example", "inactive"])
def test_the_new_owner_must_hold_the_owner_role_on_the_unit(app, make_user, email):
    if email == "inactive":
        from riskreg.admin.services import set_user_active

        make_user("slutat@norrbotten.example", "owner", "NLL-RS")
        with transaction():
            set_user_active(user("admin@norrbotten.example"),
                            user("slutat@norrbotten.example"), False)
        email = "slutat@norrbotten.example"
    r = risk("NLL", 4)
    before = db_state()
    with pytest.raises(ServiceError) as refused:
        services.reassign_owner(user(NLL_COORDINATOR), r, user(email).id, r.version)
    assert refused.value.field == "owner_id"
    db.session.rollback()
    assert db_state() == before


@pytest.mark.parametrize("email", [NLL_OWNER, SECOND_OWNER, NLL_BOARD, LS1_COORDINATOR])
def test_only_a_coordinator_reassigns(app, owner2, email):
    r = risk("NLL", 4)
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.reassign_owner(user(email), r, owner2.id, r.version)
    db.session.rollback()
    assert db_state() == before


def test_reassigning_to_the_same_owner_writes_nothing(app):
    r = risk("NLL", 4)
    before = db_state()
    services.reassign_owner(user(NLL_COORDINATOR), r, user(NLL_OWNER).id, r.version)
    assert db_state() == before


# -- archive --------------------------------------------------------------------------------------
def test_coordinator_archives_with_a_reason_and_nothing_is_deleted(app, statement_log):
    r = risk("NLL", 6)
    coordinator = user(NLL_COORDINATOR)
    assessments = [(a.period, a.value) for a in r.assessments]
    events_before = [(e.id, e.action) for e in risk_events(r)]
    period = Period(2022, 2)
    total = queries.register(coordinator, queries.RegisterFilter(period=period)).total
    with statement_log() as log, transaction():
        services.archive(coordinator, r, "  Ersatt av risk 7  ", r.version)
    log.assert_one_transaction("risk", "risk_state")
    assert_state_consistent()
    db.session.expire_all()
    assert db.session.get(Risk, r.id) is not None
    assert r.archived and r.archive_reason == "Ersatt av risk 7"
    assert r.archived_by_id == coordinator.id
    assert [(a.period, a.value) for a in r.assessments] == assessments
    events = risk_events(r)
    assert [(e.id, e.action) for e in events[:-1]] == events_before  # history kept
    assert (events[-1].action, events[-1].old, events[-1].new) == (
        "archive", {"archived": False}, {"archived": True, "reason": "Ersatt av risk 7"})
    # out of the register and of the "not yet re-assessed" lists
    page = queries.register(coordinator, queries.RegisterFilter(period=period, per_page=500))
    assert page.total == total - 1 and r.id not in {row.risk.id for row in page.rows}
    for own_only, who in ((False, coordinator), (True, user(NLL_OWNER))):
        assert r.id not in {x.id for x in queries.awaiting_assessment(who, period,
                                                                      own_only=own_only)}
    # the page still finds it (history is kept), but it cannot change any more
    assert queries.readable_risk(coordinator, r.id) is r


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_an_archived_risk_cannot_change(app, owner2, write):
    r = risk("NLL", 6)
    with transaction():
        services.archive(user(NLL_COORDINATOR), r, "Inaktuell", r.version)
    before = db_state()
    with pytest.raises(PermissionDenied):
        write(user(NLL_COORDINATOR), r, r.version)
    db.session.rollback()
    assert db_state() == before


@pytest.mark.parametrize(("reason", "field"), [("", "reason"), ("   ", "reason"),
                                               ("x" * 4001, "reason")])
def test_archive_needs_a_reason(app, reason, field):
    r = risk("NLL", 6)
    before = db_state()
    with pytest.raises(ServiceError) as refused:
        services.archive(user(NLL_COORDINATOR), r, reason, r.version)
    assert refused.value.field == field
    db.session.rollback()
    assert db_state() == before


@pytest.mark.parametrize("email", [NLL_OWNER, NLL_BOARD, LS1_COORDINATOR, SRM_COORDINATOR])
def test_only_a_coordinator_archives(app, email):
    r = risk("NLL", 6)
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.archive(user(email), r, "Inaktuell", r.version)
    db.session.rollback()
    assert db_state() == before


# -- the event and the change land together -----------------------------------------------------
ALL_WRITES = {
    "create": lambda: services.create_risk(user(NLL_COORDINATOR), new_risk()),
    **{name: (lambda w=w: w(user(NLL_COORDINATOR), risk("NLL", 1), risk("NLL", 1).version))
       for name, w in WRITES.items()},
}


@pytest.mark.parametrize("write", ALL_WRITES.values(), ids=ALL_WRITES.keys())
def test_no_change_without_its_audit_event(app, owner2, monkeypatch, write):
    """If the event cannot be recorded, the change is not saved either."""

    def broken(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    before = db_state()
    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        write()
    db.session.rollback()
    monkeypatch.undo()
    assert db_state() == before
