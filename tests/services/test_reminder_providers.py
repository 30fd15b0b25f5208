"""What falls due, read by the providers (riskreg/reminders/providers.py): the risks their
owners must re-assess and the measures their responsible must report or finish, by each
organisation's deadline, in one statement per provider whatever the numbers; and a new
provider (the control runs, later) plugs in by registration alone.

Demo data (tests/helpers/risks.py): Norrbotten's owner owns 16 risks assessed 2022-T1,
5 of them (3, 6, 11, 14, 16) re-assessed in 2022-T2; the owner on Länssjukvård 1 is
responsible for the division's 18 measures. 2022-T2's deadline is 2022-09-14.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from riskreg import reminders
from riskreg.admin import services as admin_services
from riskreg.domain.matrix import DEFAULT_SCALE_CONFIG
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.measures import services as measure_services
from riskreg.models import Measure, RiskScale
from riskreg.reminders import DueItem, DueQuery, due_items
from riskreg.reminders.providers import measures_to_report, risks_to_reassess
from riskreg.risks import services as risk_services
from riskreg.scales import stored_scale
from riskreg.uow import transaction
from tests.conftest import unit, user
from tests.helpers.measures import make_measure
from tests.helpers.risks import (
    LS1_OWNER,
    NLL_NUMBERS,
    NLL_OWNER,
    NLL_REASSESSED_T2,
    SRM_OWNER,
    risk,
)

SEPT_10 = date(2022, 9, 10)


@pytest.fixture
def ctx(app: Flask):
    """A request context (the providers build the app's links)."""
    with app.test_request_context():
        yield


def items(today: date, days: int = 7, person: str | None = None, provider=None
          ) -> list[DueItem]:
    q = DueQuery(today, days, user(person).id if person else None)
    return provider(q) if provider else due_items(q)


def set_deadline(org: str, days: int) -> None:
    root = unit(org)
    with transaction():
        scale = stored_scale(root.id)
        if scale is None:
            scale = RiskScale(unit_id=root.id, **DEFAULT_SCALE_CONFIG)
            db.session.add(scale)
        scale.reassess_days = days


# -- risks -------------------------------------------------------------------------------
def test_the_owner_re_assesses_what_the_last_tertial_missed(ctx):
    found = items(SEPT_10, provider=risks_to_reassess)
    expected = {risk("NLL", n).id for n in NLL_NUMBERS if n not in NLL_REASSESSED_T2}
    assert {i.object_id for i in found} == expected
    assert {(i.kind, i.person_id, i.due) for i in found} == {
        ("risk", user(NLL_OWNER).id, date(2022, 9, 14))}
    r = risk("NLL", 1)
    [one] = [i for i in found if i.object_id == r.id]
    assert (one.title, one.unit, one.url) == (
        r.title, r.unit.name, f"/risks/{r.id}/assess?period=2022-T2")
    assert str(one.action) == "Bedöm risk 1 på nytt för 2022-T2"


def test_nothing_is_due_before_the_horizon_reaches_the_deadline(ctx):
    assert items(date(2022, 9, 6), 7, provider=risks_to_reassess) == []
    assert len(items(date(2022, 9, 7), 7, provider=risks_to_reassess)) == 11
    # overdue stays on the list, whatever the horizon
    assert len(items(date(2022, 12, 1), 0, provider=risks_to_reassess)) == 11


def test_each_organisation_has_its_own_deadline(ctx):
    today = date(2024, 9, 10)  # 2024-T2 is owed by every risk of both organisations here
    before = items(today, 7, provider=risks_to_reassess)
    assert {i.person_id for i in before} == {user(NLL_OWNER).id, user(SRM_OWNER).id}
    set_deadline("NLL", 30)  # Norrbotten: due 2024-09-30, beyond the 7 days
    after = items(today, 7, provider=risks_to_reassess)
    assert {i.person_id for i in after} == {user(SRM_OWNER).id}
    later = items(today, 20, provider=risks_to_reassess)
    assert {i.due for i in later if i.person_id == user(NLL_OWNER).id} == {date(2024, 9, 30)}
    assert {i.due for i in later if i.person_id == user(SRM_OWNER).id} == {date(2024, 9, 14)}


def test_an_assessment_in_the_owed_tertial_or_later_settles_it(ctx, set_today):
    set_today("2022-09-10")
    r1, r2 = risk("NLL", 1), risk("NLL", 2)
    owner = user(NLL_OWNER)
    with transaction():
        risk_services.assess(owner, r1, Period(2022, 2), 2, 2, None, r1.version)
    with transaction():
        risk_services.assess(owner, r2, Period(2022, 3), 2, 2, None, r2.version)
    left = {i.object_id for i in items(SEPT_10, provider=risks_to_reassess)}
    assert r1.id not in left and r2.id not in left and len(left) == 9


def test_this_tertials_re_assessment_falls_due_after_the_last(ctx):
    """Once 2022-T2 is done, 2022-T3's falls due 14 days after 31 December."""
    found = items(date(2023, 1, 5), 14, provider=risks_to_reassess)
    mine = [i for i in found if i.person_id == user(NLL_OWNER).id]
    assert {i.due for i in mine} == {date(2023, 1, 14)}
    # risks 3 and 14 were re-assessed in 2022-T3 too: nothing owed
    assert {risk("NLL", 3).id, risk("NLL", 14).id}.isdisjoint({i.object_id for i in mine})
    assert all("2022-T3" in str(i.action) for i in mine)


def test_archived_risks_and_inactive_owners_have_nothing_due(ctx, set_today, login_as):
    set_today("2022-09-10")
    r = risk("NLL", 1)
    with transaction():
        risk_services.archive(user("samordnare@norrbotten.example"), r, "Hanterad", r.version)
    assert r.id not in {i.object_id for i in items(SEPT_10, provider=risks_to_reassess)}
    with transaction():
        admin_services.set_user_active(user("admin@norrbotten.example"), user(NLL_OWNER),
                                       False)
    assert items(SEPT_10, provider=risks_to_reassess) == []


# -- measures ---------------------------------------------------------------------------
def test_the_responsible_reports_the_status_of_their_measures(ctx):
    found = items(SEPT_10, provider=measures_to_report)
    responsible = db.session.scalars(select(Measure).where(
        Measure.responsible_id == user(LS1_OWNER).id, Measure.state == "active")).all()
    reported = {m.id: [f.period for f in m.follow_ups if f.status_id is not None]
                for m in responsible}
    # owed: reported before 2022-T2 (so it existed then) and not since; the demo's
    # measures without any report were made "today" in 2026, after 2022-T2 (they owe
    # 2022-T3's report, due 2023-01-14)
    unreported = {mid for mid, periods in reported.items()
                  if periods and max(periods) < Period(2022, 2)}
    assert {i.object_id for i in found} == unreported and len(unreported) == 18
    assert len(responsible) > len(unreported)
    assert {(i.kind, i.due) for i in found} == {("measure_report", date(2022, 9, 14))}
    m = db.session.get(Measure, found[0].object_id)
    assert found[0].url == f"/measures/{m.id}/follow-up?period=2022-T2"
    assert str(found[0].action) == f"Rapportera status för åtgärd {m.number} för 2022-T2"


def test_a_reported_status_settles_the_report(ctx):
    found = items(SEPT_10, provider=measures_to_report)
    m = db.session.get(Measure, found[0].object_id)
    with transaction():
        measure_services.report(None, m, Period(2022, 2), "on_track", "Pågår", None, None)
    assert m.id not in {i.object_id for i in items(SEPT_10, provider=measures_to_report)}
    with transaction():  # a follow-up without a status is no report
        other = db.session.get(Measure, found[1].object_id)
        measure_services.report(None, other, Period(2022, 2), None, "Inget nytt", None, None)
    assert other.id in {i.object_id for i in items(SEPT_10, provider=measures_to_report)}


def test_a_measure_falls_due_on_its_own_date(ctx, set_today):
    set_today("2022-09-10")
    m = make_measure("Ny rutin för avvikelser", due_date=date(2022, 9, 15),
                     start_date=date(2022, 9, 1))
    found = [i for i in items(SEPT_10, provider=measures_to_report) if i.object_id == m.id]
    # made in 2022-T3: no report owed yet (2022-T3's is due 2023-01-14); its date is
    assert [(i.kind, i.due, i.url) for i in found] == [
        ("measure_due", date(2022, 9, 15), f"/measures/{m.id}")]
    assert items(SEPT_10, 4, provider=measures_to_report) == [
        i for i in items(SEPT_10, 4, provider=measures_to_report) if i.object_id != m.id]
    with transaction():
        measure_services.close(user("samordnare@norrbotten.example"), m, "finished",
                               "Klar", m.version)
    assert m.id not in {i.object_id for i in items(SEPT_10, 30, provider=measures_to_report)}


def test_a_measure_that_has_not_started_owes_no_report(ctx, set_today):
    set_today("2022-09-10")
    m = make_measure("Startar nästa år", start_date=date(2023, 2, 1))
    assert m.id not in {i.object_id for i in items(date(2023, 1, 5), 30,
                                                   provider=measures_to_report)}


# -- one person, everyone, the statements -------------------------------------------------
def test_one_persons_items_are_theirs_from_everyones(ctx):
    everyone = items(SEPT_10)
    for email in (NLL_OWNER, LS1_OWNER, "samordnare@norrbotten.example"):
        mine = items(SEPT_10, person=email)
        assert mine == [i for i in everyone if i.person_id == user(email).id]
    assert len(everyone) == 29 + 5  # and the five 2022-T2 control runs (coordinator)


def test_each_provider_is_one_statement_whatever_the_numbers(ctx, statement_log,
                                                             make_user):
    with statement_log() as few:
        first = items(SEPT_10)
    owners = [make_user(f"agare{k}@norrbotten.example", "owner", "NLL-RS") for k in range(6)]
    with transaction():
        for k, n in enumerate((1, 2, 4, 7, 8, 9)):
            risk("NLL", n).owner_id = owners[k].id
    for k in range(8):
        make_measure(f"Åtgärd {k}", due_date=date(2022, 9, 12))
    with statement_log() as more:
        second = items(SEPT_10)
    assert len(second) > len(first)
    assert len({i.person_id for i in second}) > len({i.person_id for i in first})
    assert few.count == more.count == len(reminders.registered()) == 3
    owner = user(NLL_OWNER).id
    with statement_log() as one:
        due_items(DueQuery(SEPT_10, 7, owner))
    assert one.count == 3


def test_a_new_provider_plugs_in_by_registration(ctx, app, monkeypatch):
    """What the control plans will do: one more function in register_features."""

    def control_runs(q: DueQuery) -> list[DueItem]:
        return [DueItem("control_run", "Utför stickprov", "Fakturor", "Enhet",
                        q.today, "/controls/1", user(NLL_OWNER).id, 1)]

    monkeypatch.setitem(app.extensions, reminders.EXTENSION,
                        (*reminders.registered(), control_runs))
    found = items(SEPT_10, person=NLL_OWNER)
    assert [i.kind for i in found].count("control_run") == 1
    assert found[0].kind == "control_run"  # due today: before the risks due 2022-09-14
