"""Risk numbers per plan (riskreg/numbering.py): handed out one after another from the
plan's row in ``number_series``, a chosen number only when it is free, and the next
automatic number after the highest one used — whoever used it.

Demo data: Norrbotten's plan uses 1–4 and 6–17 (5 is a gap), Sörmland's 1–5."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from riskreg.extensions import db
from riskreg.models.numbering import NumberSeries
from riskreg.models.risks import Risk
from riskreg.risks import services
from riskreg.risks.services import NewRisk
from riskreg.risks.texts import RiskTexts
from riskreg.services import ServiceError
from riskreg.uow import transaction
from tests.conftest import db_state, translated, unit, user
from tests.helpers.risks import (
    NLL_COORDINATOR,
    NLL_NUMBERS,
    NLL_OWNER,
    SRM_COORDINATOR,
    SRM_OWNER,
    add_risks,
    plan_of,
)

ORGS = {"NLL": ("NLL-RS", NLL_OWNER, NLL_COORDINATOR),
        "SRM": ("SRM-PV", SRM_OWNER, SRM_COORDINATOR)}


def create(org: str = "NLL", number: int | None = None, event: str = "Numrerad risk") -> Risk:
    """A unit risk created as its request would create it (one unit of work)."""
    unit_code, owner, coordinator = ORGS[org]
    with transaction():
        return services.create_risk(user(coordinator), NewRisk(
            kind="unit", unit_id=unit(unit_code).id, plan_id=plan_of(org).id,
            owner_id=user(owner).id, number=number, texts=RiskTexts(title="Testrisk", event=event)))


def series_last(org: str = "NLL") -> int | None:
    db.session.expire_all()
    return db.session.scalar(select(NumberSeries.last).where(
        NumberSeries.series == "risk", NumberSeries.plan_id == plan_of(org).id))


def used(org: str = "NLL") -> list[int]:
    return list(db.session.scalars(select(Risk.number).where(Risk.plan_id == plan_of(org).id)
                                   .order_by(Risk.number)))


def test_the_demo_plans_have_their_series(app):
    assert used("NLL") == list(NLL_NUMBERS)
    assert (series_last("NLL"), series_last("SRM")) == (17, 5)


def test_two_risks_in_one_plan_get_consecutive_numbers(app):
    first, second = create(event="Första"), create(event="Andra")
    assert (first.number, second.number) == (18, 19)
    assert series_last() == 19


def test_two_risks_in_one_unit_of_work_get_consecutive_numbers(app):
    unit_code, owner, coordinator = ORGS["NLL"]
    with transaction():
        made = [services.create_risk(user(coordinator), NewRisk(
            kind="unit", unit_id=unit(unit_code).id, plan_id=plan_of("NLL").id,
            owner_id=user(owner).id, texts=RiskTexts(title="Testrisk", event=f"Risk {i}")))
        for i in (1, 2)]
    assert [r.number for r in made] == [18, 19]


@pytest.mark.parametrize("taken", [1, 17])
def test_a_chosen_number_that_is_taken_is_a_form_error(app, taken):
    before = db_state()
    with pytest.raises(ServiceError) as refused:
        create(number=taken)
    assert refused.value.field == "number"
    assert refused.value.message == translated(
        "Number %(n)d is already used in this plan.", n=taken)
    assert db_state() == before  # no risk, no event, the series as it was


def test_a_free_chosen_number_is_taken_even_in_a_gap(app):
    assert create(number=5).number == 5
    assert series_last() == 17  # a number below the series does not move it
    assert create().number == 18  # the gap is not filled by automatic numbering


def test_the_next_automatic_number_follows_the_highest_used(app):
    assert create(number=40).number == 40
    assert series_last() == 40
    assert create().number == 41


def test_numbers_used_outside_the_series_are_skipped(app):
    """Risks written without the series (a bulk import): the next number follows them."""
    add_risks(3)  # 18, 19, 20, straight into the table
    assert series_last() == 17
    assert create().number == 21
    assert series_last() == 21


def test_each_plan_has_its_own_series(app):
    assert create("NLL").number == 18
    assert create("SRM").number == 6
    assert create("NLL").number == 19
    assert (series_last("NLL"), series_last("SRM")) == (19, 6)


def test_a_plan_without_a_series_row_gets_one_on_first_use(app):
    """A plan whose row is missing (made before the series existed): the first creation
    makes the row and continues after the highest number used."""
    plan_id = plan_of("SRM").id
    with transaction():
        db.session.execute(delete(NumberSeries).where(NumberSeries.plan_id == plan_id))
    assert series_last("SRM") is None
    assert create("SRM").number == 6
    assert series_last("SRM") == 6
    assert db.session.scalar(select(func.count()).select_from(NumberSeries)
                             .where(NumberSeries.plan_id == plan_id)) == 1
