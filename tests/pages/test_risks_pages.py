"""The register's pages through HTTP: list (scope, filters, sort, pagination, carried
forward), risk page, the forms (create, edit, re-assess, re-assign, archive) with their
permissions, version conflicts and bad input, the start-page lists, query counts."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select
from wtforms.i18n import get_translations

from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models.plan import Perspective
from riskreg.models.risks import Risk
from riskreg.risks import services
from riskreg.risks.services import NewRisk
from riskreg.risks.texts import TEXT_FIELDS, RiskTexts
from riskreg.uow import transaction
from riskreg.web import MAX_INT
from tests.conftest import (
    SECOND_OWNER,
    TODAY_2022_T2,
    db_state,
    field_errors,
    form_errors,
    translated,
    unit,
    user,
)
from tests.helpers.risks import (
    LS1_COORDINATOR,
    LS1_OWNER,
    NLL_BOARD,
    NLL_COORDINATOR,
    NLL_NUMBERS,
    NLL_OWNER,
    NLL_REASSESSED_T2,
    SRM_BOARD,
    SRM_COORDINATOR,
    SRM_OWNER,
    TODAY_2024_T2,
    add_risks,
    assert_state_consistent,
    assess_data,
    assessment,
    edit_data,
    new_risk_data,
    plan_of,
    register_ids,
    register_total,
    risk,
    risk_events,
    risk_ids_in,
    selected_value,
    version_in,
)

SRM_ADMIN = "admin@sormland.example"
SORMLAND_USERS = [SRM_ADMIN, SRM_COORDINATOR, SRM_OWNER, SRM_BOARD]


@pytest.fixture
def ls1_risks(app):
    """Two risks beneath NLL-RS: a unit risk on VO Akut (LS1 owner, 4 × 4 in 2022-T1) and a
    success-factor risk on Division Länssjukvård 1 with no assessment."""
    plan = plan_of("NLL")
    with transaction():
        akut = services.create_risk(None, NewRisk(
            kind="unit", unit_id=unit("NLL-LS1-AKUT").id, plan_id=plan.id,
            owner_id=user(LS1_OWNER).id, number=30, period=Period(2022, 1), likelihood=4,
            consequence=4, texts=RiskTexts(
                title="Överbeläggning på akuten", event="Överbeläggning på akuten under pandemi",
                handling_question="Följs rutinen?", handling_type="measure",
                method="Daglig uppföljning av beläggning över 100%")))
        ls1 = services.create_risk(None, NewRisk(
            kind="success_factor", unit_id=unit("NLL-LS1").id, plan_id=plan.id,
            owner_id=user(LS1_OWNER).id, number=31,
            success_factor_id=risk("NLL", 3).success_factor_id,
            texts=RiskTexts(title="Testrisk", event="Vårdplatsbrist i divisionen")))
    return akut, ls1


def wt(msgid: str, locale: str = "sv", plural: str | None = None, n: int | None = None,
       **params) -> str:
    """A WTForms message as the interface shows it (WTForms' own catalog)."""
    t = get_translations([locale])
    text = t.ngettext(msgid, plural, n) if plural else t.gettext(msgid)
    return text % params if params else text


def row_html(html: str, risk_id: int) -> str:
    match = re.search(rf'<tr data-risk-id="{risk_id}">(.*?)</tr>', html, re.DOTALL)
    assert match, f"risk {risk_id} is not in the list"
    return match.group(1)


def section(html: str, testid: str) -> str | None:
    match = re.search(rf'<section[^>]*data-testid="{testid}".*?</section>', html, re.DOTALL)
    return match.group(0) if match else None


def linked_risk_ids(fragment: str, suffix: str = "") -> set[int]:
    return {int(i) for i in re.findall(rf'href="/risks/(\d+){suffix}"', fragment)}


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# ======================================================================================
# The list
# ======================================================================================
def in_scope(email: str) -> list[Risk]:
    """The risks a user may read (all their roles reach down the tree), by Python."""
    from riskreg.models import Unit

    u = user(email)
    paths = [a.unit.path for a in u.assignments]
    risks = db.session.scalars(select(Risk).join(Unit, Unit.id == Risk.unit_id)
                               .where(Risk.archived_at.is_(None))).all()
    return [r for r in risks if any(r.unit.path.startswith(p) for p in paths)]


def counting(r: Risk, period: Period):
    earlier = [a for a in r.assessments if a.period <= period]
    return earlier[-1] if earlier else None


@pytest.mark.parametrize(("email", "expected"), [
    (NLL_COORDINATOR, 16), (NLL_OWNER, 16), (NLL_BOARD, 16), ("admin@norrbotten.example", 16),
    (LS1_OWNER, 0), (LS1_COORDINATOR, 0),
    (SRM_COORDINATOR, 5), (SRM_OWNER, 5), (SRM_BOARD, 5), (SRM_ADMIN, 5),
    ("riskagare@orebro.example", 0),
])
def test_the_list_shows_what_the_user_may_read(login_as, email, expected):
    html = login_as(email).get("/risks/").get_data(as_text=True)
    assert register_total(html) == expected
    assert set(register_ids(html)) == {r.id for r in in_scope(email)}
    assert len(register_ids(html)) == expected


def _perspective(name: str) -> int:
    return db.session.scalar(select(Perspective.id).where(
        Perspective.plan_id == plan_of("NLL").id, Perspective.name == name))


def _band(low: int, high: int):
    return lambda r, a: a is not None and low <= a.value <= high


FILTERS = {
    "none": (lambda: {}, lambda r, a: True),
    "kind success_factor": (lambda: {"kind": "success_factor"},
                            lambda r, a: r.kind == "success_factor"),
    "kind unit": (lambda: {"kind": "unit"}, lambda r, a: r.kind == "unit"),
    "band Låg": (lambda: {"band": "Låg"}, _band(1, 3)),
    "band Medel": (lambda: {"band": "Medel"}, _band(4, 8)),
    "band Hög": (lambda: {"band": "Hög"}, _band(9, 12)),
    "band Mycket hög": (lambda: {"band": "Mycket hög"}, _band(13, 16)),
    "band Hög in 2022-T2": (lambda: {"band": "Hög", "period": "2022-T2"}, _band(9, 12)),
    "band Hög in 2022-T3": (lambda: {"band": "Hög", "period": "2022-T3"}, _band(9, 12)),
    "before any assessment": (lambda: {"period": "2021-T3", "band": "Medel"},
                              lambda r, a: False),
    "owner": (lambda: {"owner": str(user(LS1_OWNER).id)},
              lambda r, a: r.owner.email == LS1_OWNER),
    "perspective": (lambda: {"perspective": str(_perspective("Medarbetarperspektivet"))},
                    lambda r, a: r.success_factor is not None
                    and r.success_factor.goal.perspective.name == "Medarbetarperspektivet"),
    "unit with subunits": (lambda: {"unit": str(unit("NLL-LS1").id), "include_subunits": "y"},
                           lambda r, a: r.unit.path.startswith(unit("NLL-LS1").path)),
    "unit only": (lambda: {"unit": str(unit("NLL-LS1").id)},
                  lambda r, a: r.unit.code == "NLL-LS1"),
    "top unit only": (lambda: {"unit": str(unit("NLL-RS").id)},
                      lambda r, a: r.unit.code == "NLL-RS"),
    "text, any case": (lambda: {"q": "PANDEMI"},
                       lambda r, a: any("pandemi" in (getattr(r, f) or "").lower()
                                        for f in TEXT_FIELDS)),
    "text in the cause": (lambda: {"q": "levereranskedjan"},
                          lambda r, a: "levereranskedjan" in (r.cause or "")),
    "text with a % (not a wildcard)": (lambda: {"q": "%"}, lambda r, a: any(
        "%" in (getattr(r, f) or "") for f in TEXT_FIELDS)),
    "kind and text": (lambda: {"kind": "unit", "q": "pandemi"},
                      lambda r, a: r.kind == "unit" and "pandemi" in r.event.lower()),
    "owner and band": (lambda: {"owner": str(user(NLL_OWNER).id), "band": "Hög"},
                       lambda r, a: r.owner.email == NLL_OWNER and a is not None
                       and 9 <= a.value <= 12),
}


@pytest.mark.parametrize("name", FILTERS)
def test_filters(coordinator, ls1_risks, t2, name):
    query, keep = FILTERS[name]
    query = query()
    period = Period.parse(query.get("period", "2022-T2"))
    scope = in_scope(NLL_COORDINATOR)
    expected = {r.id for r in scope if keep(r, counting(r, period))}
    # each filter (but "none") keeps some and leaves some; one finds nothing at all
    assert (0 < len(expected) < len(scope)) is (name not in ("none", "before any assessment"))
    response = coordinator.get("/risks/", query_string=query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert register_total(html) == len(expected)
    assert set(register_ids(html)) == expected


@pytest.mark.parametrize("query", [
    lambda: {"owner": str(user(NLL_OWNER).id)}, lambda: {"unit": str(unit("NLL-RS").id)},
    lambda: {"perspective": str(_perspective("Medborgarperspektivet"))},
    lambda: {"q": "pandemi"}, lambda: {"period": "2022-T1", "kind": "success_factor"},
], ids=["owner", "unit", "perspective", "text", "period"])
def test_a_filter_never_reaches_out_of_scope(coordinator_sormland, query):
    """Naming a Norrbotten unit, owner or perspective: refused as not a choice (400) or
    nothing found; never a Norrbotten risk."""
    response = coordinator_sormland.get("/risks/", query_string=query())
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert register_total(html) == 0
    assert not set(register_ids(html)) & risk_ids_in("NLL")


SORTS = {
    "number": lambda r, a: (r.number, r.id),
    "-value": lambda r, a: (a is None, -(a.value if a else 0), r.number, r.id),
    "value": lambda r, a: (a is not None, a.value if a else 0, r.number, r.id),
    "owner": lambda r, a: (r.owner.name, r.number, r.id),
    "unit": lambda r, a: (r.unit.name, r.number, r.id),
    "period": lambda r, a: (a is None, -(a.period.key if a else 0), r.number, r.id),
}


@pytest.mark.parametrize("sort", SORTS)
def test_sort(coordinator, ls1_risks, t2, sort):
    period = Period(2022, 2)
    risks = in_scope(NLL_COORDINATOR)
    expected = [r.id for r in sorted(risks, key=lambda r: SORTS[sort](r, counting(r, period)))]
    html = coordinator.get("/risks/", query_string={"sort": sort}).get_data(as_text=True)
    assert register_ids(html) == expected


def test_pagination_keeps_the_filter_and_covers_every_risk_once(coordinator, t2):
    ids = add_risks(73, event_text="Sidrisk")
    first = coordinator.get("/risks/", query_string={"q": "sidrisk"}).get_data(as_text=True)
    assert register_total(first) == 73
    page1 = register_ids(first)
    assert len(page1) == 50
    link = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert link, "no link to the next page"
    nxt = unescape(link.group(1))
    assert "q=sidrisk" in nxt and "page=2" in nxt
    second = coordinator.get(nxt).get_data(as_text=True)
    page2 = register_ids(second)
    assert len(page2) == 23
    assert sorted(page1 + page2) == sorted(ids)
    assert '<a rel="prev"' in second and '<a rel="next"' not in second
    beyond = coordinator.get("/risks/", query_string={"q": "sidrisk", "page": "9"})
    assert beyond.status_code == 200 and register_ids(beyond.get_data(as_text=True)) == []


@pytest.mark.parametrize("query", [
    {"page": "0"}, {"page": "-1"}, {"page": "abc"}, {"page": "9" * 20},
    {"period": "2022-T4"}, {"period": "2022"}, {"period": "T1-2022"},
    {"likelihood": "abc"}, {"consequence": "9999"},
    {"unit": str(2**31 - 1)}, {"owner": "123456"}, {"perspective": "123456"},
    {"kind": "castle"}, {"band": "Katastrof"}, {"sort": "id; drop table risk"},
    {"q": "x" * 201},
], ids=lambda q: "&".join(f"{k}={v[:12]}" for k, v in q.items()))
def test_bad_list_parameters_are_400_never_500(coordinator, query):
    response = coordinator.get("/risks/", query_string=query)
    assert response.status_code == 400
    assert "<html" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "９", "9" * 20, str(2**31)])
def test_a_bad_page_number_says_what_a_page_is(coordinator, page):
    """The register's page is read by the one parser of the pages and the API (web.py)."""
    response = coordinator.get("/risks/", query_string={"page": page})
    assert response.status_code == 400
    assert translated("%(name)s must be a whole number from 1 to %(max)d.", name="page",
                      max=MAX_INT) in response.get_data(as_text=True)


@pytest.mark.parametrize("page", [str(2**31 - 1), "9999999"])
def test_a_page_far_beyond_the_end_is_empty(coordinator, page):
    response = coordinator.get("/risks/", query_string={"page": page})
    assert response.status_code == 200
    assert register_ids(response.get_data(as_text=True)) == []
    assert register_total(response.get_data(as_text=True)) == 16


@pytest.mark.parametrize("period", ["2022-T4", "abc", "2022", "1800-T1"])
def test_a_bad_period_on_the_risk_page_is_400(coordinator, period):
    response = coordinator.get(f"/risks/{risk('NLL', 1).id}", query_string={"period": period})
    assert response.status_code == 400
    expected = translated("%(name)s: not a period; use YYYY-Tn, e.g. 2024-T1.", name="period")
    assert expected in response.get_data(as_text=True)


@pytest.mark.parametrize("query", [{"unit": "abc"}, {"owner": "x"}, {"perspective": "9" * 20},
                                   {"unit": ""}, {"band": ""}, {"q": "   "}])
def test_unreadable_filter_values_mean_no_filter(coordinator, query):
    response = coordinator.get("/risks/", query_string=query)
    assert response.status_code == 200
    assert register_total(response.get_data(as_text=True)) == 16


def test_counts_and_pages_come_from_sql(coordinator, statement_log):
    """The total is one count(*) statement and the page one LIMITed statement."""
    coordinator.get("/risks/")
    with statement_log() as q:
        coordinator.get("/risks/", query_string={"band": "Hög"})
    counts = [s for s in q.statements if re.search(r"count\(\*\)", s, re.I) and "risk" in s]
    assert len(counts) == 1
    assert any(re.search(r"\bLIMIT\b", s) and "risk_state" in s for s in q.statements)


# -- carried forward in the list and on the risk page -----------------------------------------
def test_the_list_marks_carried_forward_assessments(coordinator, t2):
    html = coordinator.get("/risks/", query_string={"period": "2022-T2"}).get_data(as_text=True)
    marker = translated("carried forward from %(period)s", period="2022-T1")
    for number in NLL_NUMBERS:
        row = row_html(html, risk("NLL", number).id)
        assert (marker in row) is (number not in NLL_REASSESSED_T2), number
    # risk 1 counts in 2022-T2 with its 2022-T1 value: 2 × 3 = 6
    cells = re.findall(r'<td class="num">([^<]*)</td>', row_html(html, risk("NLL", 1).id))
    assert cells[1:] == ["2", "3"]
    # in its own period nothing is carried forward
    html = coordinator.get("/risks/", query_string={"period": "2022-T1"}).get_data(as_text=True)
    assert len(register_ids(html)) == 16 and 'class="carried"' not in html


@pytest.mark.parametrize(("number", "period", "carried_from", "value"), [
    (1, "2022-T2", "2022-T1", 6), (1, "2022-T1", None, 6), (3, "2022-T2", None, 9),
    (6, "2022-T3", "2022-T2", 2), (6, "2024-T1", "2022-T2", 2), (16, "2023-T1", "2022-T2", 12),
])
def test_the_risk_page_marks_carried_forward(coordinator, number, period, carried_from, value):
    html = coordinator.get(f"/risks/{risk('NLL', number).id}",
                           query_string={"period": period}).get_data(as_text=True)
    current = re.search(r'data-testid="current-value">(.*?)</p>', html, re.DOTALL).group(1)
    assert f"{value} – " in current
    carried = translated("carried forward from %(period)s", period=carried_from or "")
    if carried_from:
        assert carried in current
    else:
        assert 'class="carried"' not in current


def test_the_risk_page_before_any_assessment(coordinator):
    html = coordinator.get(f"/risks/{risk('NLL', 1).id}",
                           query_string={"period": "2021-T1"}).get_data(as_text=True)
    assert translated("Not assessed in or before this period.") in html


# ======================================================================================
# The risk page
# ======================================================================================
def test_the_risk_page_shows_every_field_and_the_history(coordinator):
    r = risk("NLL", 3)
    html = coordinator.get(f"/risks/{r.id}").get_data(as_text=True)
    text = text_of(html)
    for value in (r.event, r.consequence_text, r.cause, r.mitigation, r.control_method,
                  r.unit.name, r.owner.name, r.plan.name, r.success_factor.name,
                  r.success_factor.goal.name, r.success_factor.goal.perspective.name):
        assert " ".join(value.split()) in text, value[:40]
    table = re.search(r'data-testid="assessment-history">(.*?)</table>', html, re.DOTALL)
    rows = re.findall(r"<tr><td>(\d{4}-T\d)[^<]*</td><td class=\"num\">(\d)</td>"
                      r"<td class=\"num\">(\d)</td><td><span[^>]*>(\d+) – ", table.group(1))
    assert rows == [("2022-T3", "3", "3", "9"), ("2022-T2", "3", "3", "9"),
                    ("2022-T1", "4", "3", "12")]
    assert "plotly-chart" in html  # the line of the value over the periods
    assert translated("History") in html


def test_a_unit_risk_page_shows_its_handling(coordinator_sormland):
    r = risk("SRM", 5)
    text = text_of(coordinator_sormland.get(f"/risks/{r.id}").get_data(as_text=True))
    assert r.handling_question[:60] in text and r.method in text
    assert translated("Control") in text


# ======================================================================================
# The forms: create, edit, re-assess, re-assign, archive
# ======================================================================================
def test_coordinator_creates_a_risk_through_the_form(coordinator, t2, statement_log):
    url = f"/risks/new?unit={unit('NLL-RS').id}"
    data = new_risk_data(period="2022-T2", likelihood="3", consequence="4")
    with statement_log() as log:
        response = coordinator.post_form(url, data)
    assert response.status_code == 302
    log.assert_one_transaction("risk", "risk_assessment", "risk_state")
    assert_state_consistent()
    created = db.session.scalar(select(Risk).where(Risk.event == data["event"]))
    assert response.headers["Location"].endswith(f"/risks/{created.id}")
    assert (created.number, created.kind, created.owner.email) == (18, "unit", NLL_OWNER)
    assert [(str(a.period), a.value) for a in created.assessments] == [("2022-T2", 12)]
    assert [e.action for e in risk_events(created)] == ["create", "assess"]
    assert created.id in register_ids(coordinator.get("/risks/").get_data(as_text=True))


def test_risks_created_through_the_form_are_numbered_one_after_another(coordinator, t2):
    """18 and 19 after the demo's 1–17; a chosen free number (40) is kept, and the next
    automatic number follows it. The "number taken" case is in BAD_FORMS."""
    url = f"/risks/new?unit={unit('NLL-RS').id}"
    made = []
    for event, number in (("Första", ""), ("Andra", ""), ("Vald", "40"), ("Efter vald", "")):
        response = coordinator.post_form(url, new_risk_data(event=event, number=number))
        assert response.status_code == 302, event
        made.append(db.session.scalar(select(Risk.number).where(Risk.event == event)))
        flashed = coordinator.get(response.headers["Location"]).get_data(as_text=True)
        assert translated("Risk %(n)d was created.", n=made[-1]) in flashed
    assert made == [18, 19, 40, 41]


def test_the_new_risk_form_asks_for_a_unit_first(coordinator, coordinator_ls1):
    html = coordinator.get("/risks/new").get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="(\d+)"', html)
    assert str(unit("NLL-RS").id) in options and str(unit("NLL-LS1-AKUT").id) in options
    html = coordinator_ls1.get("/risks/new").get_data(as_text=True)
    assert str(unit("NLL-RS").id) not in re.findall(r'<option[^>]*value="(\d+)"', html)
    assert coordinator_ls1.get(f"/risks/new?unit={unit('NLL-RS').id}").status_code == 404


@pytest.mark.parametrize("email", [NLL_COORDINATOR, NLL_OWNER])
def test_edit_texts_through_the_form(login_as, email):
    c = login_as(email)
    r = risk("NLL", 2)
    old_cause, version = r.cause, r.version
    response = c.post_form(f"/risks/{r.id}/edit", edit_data(r, cause="Ny orsak"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (r.cause, r.version) == ("Ny orsak", version + 1)
    event = risk_events(r)[-1]
    assert (event.action, event.old, event.new) == ("update", {"cause": old_cause},
                                                    {"cause": "Ny orsak"})
    # the risk page's Historik shows before and after
    history = c.get(f"/risks/{r.id}").get_data(as_text=True).split('id="history"')[1]
    assert "Ny orsak" in history and old_cause[:30] in unescape(history)


@pytest.mark.parametrize("email", [NLL_OWNER, NLL_COORDINATOR])
def test_re_assess_through_the_form(login_as, t2, email, statement_log):
    c = login_as(email)
    r = risk("NLL", 1)
    form = c.get(f"/risks/{r.id}/assess").get_data(as_text=True)
    with statement_log() as log:
        response = c.post_form(f"/risks/{r.id}/assess", assess_data(
            r, "2022-T2", 3, 3, "Läget har försämrats", version=version_in(form)))
    assert response.status_code == 302
    log.assert_one_transaction("risk_assessment", "risk", "risk_state")
    assert_state_consistent()
    assert (assessment(r, "2022-T1").value, assessment(r, "2022-T2").value) == (6, 9)
    event = risk_events(r)[-1]
    assert (event.action, event.old, event.new) == ("assess", None, {
        "period": "2022-T2", "likelihood": 3, "consequence": 3, "value": 9,
        "comment": "Läget har försämrats"})


@pytest.mark.parametrize(("number", "today", "likelihood", "consequence"), [
    (1, TODAY_2022_T2, "2", "3"),  # from 2022-T1
    (6, TODAY_2022_T2, "1", "2"),  # its own 2022-T2
    (6, "2022-10-01", "1", "2"),  # 2022-T3 starts from 2022-T2
    (16, "2022-10-01", "3", "4"),  # 2022-T3 starts from 2022-T2 (2 × 4 → 3 × 4)
    (14, "2023-01-10", "4", "3"),  # 2023-T1 starts from 2022-T3
    (1, "2021-12-01", "", ""),  # nothing before: nothing chosen
])
def test_the_re_assess_form_starts_from_the_previous_values(owner, set_today, number, today,
                                                          likelihood, consequence):
    now = set_today(today)
    html = owner.get(f"/risks/{risk('NLL', number).id}/assess").get_data(as_text=True)
    assert (selected_value(html, "likelihood") or "") == likelihood
    assert (selected_value(html, "consequence") or "") == consequence
    assert selected_value(html, "period") == str(now)


def test_coordinator_reassigns_the_owner_through_the_form(coordinator, owner2):
    r = risk("NLL", 4)
    form = coordinator.get(f"/risks/{r.id}/owner").get_data(as_text=True)
    # only owners of the unit (or above it) are offered
    offered = set(re.findall(r'<option[^>]*value="(\d+)"',
                             re.search(r'<select[^>]*id="owner_id".*?</select>', form,
                                       re.DOTALL).group(0)))
    assert offered == {str(user(NLL_OWNER).id), str(owner2.id)}
    response = coordinator.post_form(f"/risks/{r.id}/owner",
                                     {"owner_id": str(owner2.id), "version": version_in(form)})
    assert response.status_code == 302
    db.session.expire_all()
    assert r.owner_id == owner2.id
    event = risk_events(r)[-1]
    assert (event.action, event.old, event.new) == ("reassign", {"owner": NLL_OWNER},
                                                    {"owner": SECOND_OWNER})


def test_archive_through_the_form(coordinator, login_as, t2):
    r = risk("NLL", 7)
    form = coordinator.get(f"/risks/{r.id}/archive").get_data(as_text=True)
    response = coordinator.post_form(f"/risks/{r.id}/archive",
                                     {"reason": "Ingår i risk 8", "version": version_in(form)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/risks/")
    db.session.expire_all()
    assert r.archived and r.archive_reason == "Ingår i risk 8"
    assert risk_events(r)[-1].action == "archive"
    assert_state_consistent()
    # gone from the lists, the counts, the start page and the API; the page keeps it
    for email in (NLL_COORDINATOR, NLL_OWNER, NLL_BOARD):
        c = login_as(email)
        html = c.get("/risks/").get_data(as_text=True)
        assert r.id not in register_ids(html) and register_total(html) == 15
        assert f'href="/risks/{r.id}/assess"' not in c.get("/").get_data(as_text=True)
        body = c.get("/api/v1/risks").get_json()
        assert body["total"] == 15 and r.id not in {x["id"] for x in body["risks"]}
        page = c.get(f"/risks/{r.id}")
        assert page.status_code == 200
        assert translated("Archived") in page.get_data(as_text=True)
        assert "Ingår i risk 8" in page.get_data(as_text=True)
    # and no form changes it any more
    for path in ("edit", "assess", "owner", "archive"):
        assert coordinator.get(f"/risks/{r.id}/{path}").status_code == 403


@pytest.mark.parametrize(("period", "listed"), [("2022-T1", True), ("2022-T2", False),
                                                ("2022-T3", False), ("2024-T1", False)])
def test_an_archived_risk_still_counts_in_the_periods_before(coordinator, t2, period, listed):
    """Archived in 2022-T2: gone from 2022-T2 on, kept in the history of 2022-T1."""
    r = risk("NLL", 7)
    coordinator.post_form(f"/risks/{r.id}/archive", {"reason": "Inaktuell",
                                                     "version": str(r.version)})
    html = coordinator.get("/risks/", query_string={"period": period}).get_data(as_text=True)
    assert (r.id in register_ids(html)) is listed
    assert register_total(html) == (16 if listed else 15)
    body = coordinator.get("/api/v1/risks", query_string={"period": period}).get_json()
    assert (r.id in {x["id"] for x in body["risks"]}) is listed
    assert body["total"] == (16 if listed else 15)


# ======================================================================================
# Permissions
# ======================================================================================
def risk_post_urls(app) -> list[str]:
    """Every URL of the risk blueprint that accepts POST (risk 1 of Norrbotten)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("risks.") and "POST" in rule.methods:
            urls.append(rule.rule)
    assert urls
    return sorted(urls)


def _resolve(rule: str) -> str:
    url = rule.replace("<int:risk_id>", str(risk("NLL", 1).id))
    if url.endswith("/new"):
        url += f"?unit={unit('NLL-RS').id}"
    return url


def _form_for(rule: str) -> dict:
    r = risk("NLL", 1)
    data = {
        "/risks/new": new_risk_data(),
        "/risks/<int:risk_id>/edit": edit_data(r, event="Ändrad"),
        "/risks/<int:risk_id>/assess": assess_data(r, "2022-T2", 4, 4),
        "/risks/<int:risk_id>/owner": {"owner_id": str(user(NLL_OWNER).id),
                                       "version": str(r.version)},
        "/risks/<int:risk_id>/archive": {"reason": "Bort", "version": str(r.version)},
    }
    assert rule in data, f"a new POST URL in the risk blueprint: {rule} (add its form here)"
    return data[rule]


RISK_POST_RULES = ["/risks/new", "/risks/<int:risk_id>/edit", "/risks/<int:risk_id>/assess",
                   "/risks/<int:risk_id>/owner", "/risks/<int:risk_id>/archive"]


def test_the_post_urls_here_are_all_of_the_blueprint(app):
    assert risk_post_urls(app) == sorted(RISK_POST_RULES)


@pytest.mark.parametrize("rule", RISK_POST_RULES)
@pytest.mark.parametrize("email", [NLL_BOARD, SRM_BOARD])
def test_a_board_reviewer_posting_any_risk_form_is_refused(login_as, t2, rule, email):
    c = login_as(email)
    before = db_state()
    response = c.post_form(_resolve(rule), _form_for(rule), page="/")
    # the Norrbotten board may read the risk (403); Sörmland's may not even see it (404)
    expected = 403 if email == NLL_BOARD or rule == "/risks/new" else 404
    assert response.status_code == expected
    assert db_state() == before


@pytest.mark.parametrize("rule", RISK_POST_RULES[1:3])
def test_another_owner_of_the_same_unit_cannot_edit(second_owner, t2, rule):
    before = db_state()
    response = second_owner.post_form(_resolve(rule), _form_for(rule))
    assert response.status_code == 403
    assert db_state() == before
    assert second_owner.get(_resolve(rule)).status_code == 403


@pytest.mark.parametrize("path", ["edit", "assess", "owner", "archive"])
def test_an_owner_cannot_touch_a_risk_of_another_owner_beneath(owner, ls1_risks, t2, path):
    """riskagare (owner on NLL-RS) reads the LS1 owner's risk, but may not change it."""
    akut, _ = ls1_risks
    data = {"edit": edit_data(akut, event="Kapad"), "assess": assess_data(akut, "2022-T2", 1, 1),
            "owner": {"owner_id": str(user(NLL_OWNER).id), "version": str(akut.version)},
            "archive": {"reason": "x", "version": str(akut.version)}}[path]
    assert owner.get(f"/risks/{akut.id}").status_code == 200
    before = db_state()
    response = owner.post_form(f"/risks/{akut.id}/{path}", data, page="/")
    assert response.status_code == 403
    assert db_state() == before


@pytest.mark.parametrize("path", ["", "/edit", "/assess", "/owner", "/archive"])
def test_an_owner_beneath_does_not_reach_the_risks_above(owner_ls1, t2, path):
    r = risk("NLL", 1)
    assert owner_ls1.get(f"/risks/{r.id}{path}").status_code == 404
    if path:
        before = db_state()
        data = edit_data(r) if path == "/edit" else assess_data(r, "2022-T2", 1, 1)
        assert owner_ls1.post_form(f"/risks/{r.id}{path}", data, page="/").status_code == 404
        assert db_state() == before


@pytest.mark.parametrize("extra", [
    {"owner_id": "{second}"}, {"owner_id": "{self}"}, {"unit_id": "{NLL-LS1}"},
    {"unit_id": "{NLL-RS}"}, {"owner_id": "", "unit_id": ""},
], ids=["owner_id other", "owner_id same", "unit_id other", "unit_id same", "both empty"])
def test_an_owner_posting_owner_or_unit_in_the_edit_form_is_refused(owner, owner2, extra):
    r = risk("NLL", 2)
    values = {"{second}": str(owner2.id), "{self}": str(user(NLL_OWNER).id),
              "{NLL-LS1}": str(unit("NLL-LS1").id), "{NLL-RS}": str(unit("NLL-RS").id)}
    data = edit_data(r, cause="Ändrad orsak", **{k: values.get(v, v) for k, v in extra.items()})
    before = db_state()
    response = owner.post_form(f"/risks/{r.id}/edit", data)
    assert response.status_code == 403
    assert db_state() == before


def test_a_coordinator_posting_owner_id_in_the_edit_form_moves_nothing(coordinator, owner2):
    """The edit form has no owner or unit field: extra fields are ignored for those who may
    re-assign (the owner form does that, with its own audit event)."""
    r = risk("NLL", 2)
    response = coordinator.post_form(f"/risks/{r.id}/edit", edit_data(
        r, cause="Ändrad", owner_id=str(owner2.id), unit_id=str(unit("NLL-LS1").id)))
    assert response.status_code == 302
    db.session.expire_all()
    assert (r.owner.email, r.unit.code, r.cause) == (NLL_OWNER, "NLL-RS", "Ändrad")


@pytest.mark.parametrize("path", ["owner", "archive"])
def test_an_owner_cannot_reassign_or_archive_own_risk(owner, path):
    r = risk("NLL", 2)
    assert owner.get(f"/risks/{r.id}/{path}").status_code == 403
    before = db_state()
    data = {"owner_id": str(user(NLL_OWNER).id), "reason": "x", "version": str(r.version)}
    assert owner.post_form(f"/risks/{r.id}/{path}", data, page="/").status_code == 403
    assert db_state() == before


def test_an_owner_cannot_create(owner):
    assert owner.get("/risks/new").status_code == 403
    before = db_state()
    assert owner.post_form(f"/risks/new?unit={unit('NLL-RS').id}", new_risk_data(),
                           page="/").status_code == 403
    assert db_state() == before


# -- the other organisation --------------------------------------------------------------------
@pytest.mark.parametrize("email", SORMLAND_USERS)
@pytest.mark.parametrize("path", ["", "/edit", "/assess", "/owner", "/archive"])
def test_another_region_gets_404_for_a_risk_by_url(login_as, t2, email, path):
    c = login_as(email)
    r = risk("NLL", 3)
    assert c.get(f"/risks/{r.id}{path}").status_code == 404
    assert c.get(f"/risks/{r.id}{path}?period=2022-T1").status_code == 404
    if path:
        before = db_state()
        data = {**edit_data(r), **assess_data(r, "2022-T2", 1, 1),
                "owner_id": str(user(SRM_OWNER).id), "reason": "x"}
        assert c.post_form(f"/risks/{r.id}{path}", data, page="/").status_code == 404
        assert db_state() == before


@pytest.mark.parametrize("email", SORMLAND_USERS)
def test_another_region_finds_no_trace_in_lists_counts_or_charts(login_as, set_today, email):
    set_today(TODAY_2024_T2)
    c = login_as(email)
    nll = risk_ids_in("NLL")
    html = c.get("/risks/").get_data(as_text=True)
    assert register_total(html) == 5 and not set(register_ids(html)) & nll
    for query in ({"q": "pandemi"}, {"period": "2022-T1", "kind": "success_factor"}):
        assert register_total(c.get("/risks/", query_string=query).get_data(as_text=True)) == 0
    assert not linked_risk_ids(c.get("/").get_data(as_text=True), "/assess") & nll
    body = c.get("/api/v1/risks", query_string={"per_page": "200"}).get_json()
    assert body["total"] == 5 and not {x["id"] for x in body["risks"]} & nll
    heat = c.get("/api/v1/heatmap", query_string={"unit": str(unit("SRM-PV").id),
                                                  "period": "2024-T1"})
    assert heat.status_code == 200
    assert heat.get_json()["total"] == 5
    cells = [i for cell in heat.get_json()["cells"] for i in cell["risk_ids"]]
    assert not set(cells) & nll


# ======================================================================================
# Version conflicts
# ======================================================================================
FORMS = ("edit", "assess", "owner", "archive")


def _change(kind: str, r: Risk, version: str, who: str) -> dict:
    return {
        "edit": {**edit_data(r, version=None), "cause": f"Orsak enligt {who}",
                 "version": version},
        "assess": {**assess_data(r, "2022-T2", 3 if who == "A" else 4, 3 if who == "A" else 4,
                                 f"Bedömt av {who}", version=None), "version": version},
        "owner": {"owner_id": str(user(SECOND_OWNER).id), "version": version},
        "archive": {"reason": f"Arkiverad av {who}", "version": version},
    }[kind]


@pytest.mark.parametrize("second", FORMS)
@pytest.mark.parametrize("first", ["edit", "assess", "owner"])
def test_the_second_of_two_saves_on_one_version_gets_409(login_as, owner2, t2, first, second):
    a, b = login_as(NLL_COORDINATOR), login_as(NLL_COORDINATOR)  # two tabs, or two people
    r = risk("NLL", 1)
    version_a = version_in(a.get(f"/risks/{r.id}/{first}").get_data(as_text=True))
    version_b = version_in(b.get(f"/risks/{r.id}/{second}").get_data(as_text=True))
    assert version_a == version_b == str(r.version)
    assert a.post_form(f"/risks/{r.id}/{first}", _change(first, r, version_a, "A"),
                       page="/").status_code == 302
    events = len(risk_events(r))
    before = db_state()
    response = b.post_form(f"/risks/{r.id}/{second}", _change(second, r, version_b, "B"),
                           page="/")
    assert response.status_code == 409
    assert db_state() == before and len(risk_events(r)) == events
    html = response.get_data(as_text=True)
    assert translated("Someone else changed this risk") in html
    table = re.search(r'data-testid="conflict">(.*?)</table>', html, re.DOTALL).group(1)
    # what B tried, next to what is saved now, and what A changed
    mine = {"edit": "Orsak enligt B", "assess": "Bedömt av B",
            "owner": translated("Risk owner"), "archive": "Arkiverad av B"}[second]
    assert mine in table
    changes = text_of(html.split(translated("Latest changes"))[1])
    a_did = {"edit": "Orsak enligt A", "assess": "Bedömt av A", "owner": SECOND_OWNER}[first]
    assert a_did in changes


def test_the_conflict_shows_the_saved_value_beside_the_input(owner, coordinator, t2):
    r = risk("NLL", 1)
    v = str(r.version)
    owner.post_form(f"/risks/{r.id}/assess", assess_data(r, "2022-T2", 3, 3, version=v))
    response = coordinator.post_form(f"/risks/{r.id}/assess",
                                     assess_data(r, "2022-T2", 1, 4, "Min", version=v))
    assert response.status_code == 409
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>",
                      response.get_data(as_text=True))
    by_field = {unescape(f): (mine, saved) for f, mine, saved in rows}
    assert by_field[translated("Likelihood")] == ("1", "3")
    assert by_field[translated("Consequence")] == ("4", "3")
    assert by_field[translated("Comment")][0] == "Min"
    html = response.get_data(as_text=True)
    head = re.search(r'data-testid="conflict">\s*<thead>(.*?)</thead>', html, re.DOTALL).group(1)
    assert [unescape(h) for h in re.findall(r"<th[^>]*>([^<]*)</th>", head)] == [
        translated("Field"), translated("Your input"), translated("Saved now")]
    # the latest changes, newest first: the owner's save that won
    latest = re.findall(r"<li>(.*?)</li>", html.split(translated("Latest changes"))[1],
                        re.DOTALL)
    assert 1 <= len(latest) <= 5
    assert user(NLL_OWNER).name in latest[0]
    assert f'href="/risks/{r.id}"' in html  # back to the risk


@pytest.mark.parametrize("form", FORMS)
def test_a_save_that_loses_the_race_after_its_check_gets_the_conflict_page(
        coordinator, owner2, t2, monkeypatch, form):
    """Someone saves between our version check and our UPDATE: the UPDATE matches no row
    (optimistic locking), and the answer is the same 409 page, with nothing of ours
    saved."""
    from sqlalchemy import update

    r = risk("NLL", 1)
    data = _change(form, r, str(r.version), "B")
    events = len(risk_events(r))
    real = services._check_version

    def check_then_someone_saves(risk_obj, expected, submitted):
        real(risk_obj, expected, submitted)
        db.session.execute(update(Risk.__table__).where(Risk.id == risk_obj.id)
                           .values(version=Risk.version + 1))

    before = db_state()
    monkeypatch.setattr(services, "_check_version", check_then_someone_saves)
    response = coordinator.post_form(f"/risks/{r.id}/{form}", data)
    monkeypatch.undo()
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert translated("Someone else changed this risk") in html
    assert 'data-testid="conflict"' in html and translated("Latest changes") in html
    assert db_state() == before and len(risk_events(r)) == events


def test_an_archive_between_open_and_save_refuses_the_save(login_as, t2):
    a, b = login_as(NLL_COORDINATOR), login_as(NLL_OWNER)
    r = risk("NLL", 1)
    version = version_in(b.get(f"/risks/{r.id}/edit").get_data(as_text=True))
    a.post_form(f"/risks/{r.id}/archive", {"reason": "Inaktuell", "version": version},
                page="/")
    before = db_state()
    response = b.post_form(f"/risks/{r.id}/edit", edit_data(r, cause="Sent", version=version),
                           page="/")
    assert response.status_code == 403  # an archived risk cannot change at all
    assert db_state() == before


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("version", [None, "", "abc", "-1", "0", "9" * 30])
def test_a_save_without_a_version_is_a_form_error(coordinator, owner2, t2, form, version):
    r = risk("NLL", 1)
    data = _change(form, r, "x", "B")
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    before = db_state()
    response = coordinator.post_form(f"/risks/{r.id}/{form}", data)
    assert response.status_code == 400
    assert translated("The form is missing its version. Reload the page.") in (
        form_errors(response) or "")
    assert db_state() == before


# ======================================================================================
# Bad input: a form error in the interface's language, 400, nothing saved
# ======================================================================================
def _ls1_owner_id():
    return str(user(LS1_OWNER).id)


NOT_A_CHOICE = ("wt", "Not a valid choice.", {})
REQUIRED = ("wt", "This field is required.", {})
TOO_LONG = ("wt-plural", "Field cannot be longer than %(max)d character.", {"max": 4000})
SCALE = ("app", "Choose a value from 1 to %(n)d.", {"n": 4})

BAD_FORMS = {
    # the new-risk form (coordinator)
    "new: likelihood 5": ("new", dict(period="2022-T2", likelihood="5", consequence="2"),
                          "likelihood", NOT_A_CHOICE),
    "new: consequence 0": ("new", dict(period="2022-T2", likelihood="2", consequence="0"),
                           "consequence", SCALE),
    "new: no likelihood": ("new", dict(period="2022-T2", consequence="2"), "likelihood",
                           SCALE),
    "new: empty event": ("new", dict(event=""), "event", REQUIRED),
    "new: blank event": ("new", dict(event="   "), "event", REQUIRED),
    "new: long event": ("new", dict(event="å" * 4001), "event", TOO_LONG),
    "new: long method": ("new", dict(method="x" * 4001), "method", TOO_LONG),
    "new: long handling": ("new", dict(handling_question="x" * 4001), "handling_question",
                           TOO_LONG),
    "new: no success factor": ("new", dict(kind="success_factor"), "success_factor_id",
                               ("app", "Choose the success factor the risk threatens.", {})),
    "new: unknown success factor": ("new", dict(kind="success_factor",
                                                success_factor_id="999999"),
                                    "success_factor_id", NOT_A_CHOICE),
    "new: future period": ("new", dict(period="2022-T3", likelihood="2", consequence="2"),
                           "period", NOT_A_CHOICE),
    "new: period 2022-T4": ("new", dict(period="2022-T4", likelihood="2", consequence="2"),
                            "period", NOT_A_CHOICE),
    "new: owner of another unit": ("new", dict(owner_id=_ls1_owner_id), "owner_id",
                                   NOT_A_CHOICE),
    "new: no owner": ("new", dict(owner_id=""), "owner_id", REQUIRED),
    "new: number 0": ("new", dict(number="0"), "number",
                      ("wt", "Number must be between %(min)s and %(max)s.",
                       {"min": 1, "max": 100000})),
    "new: number text": ("new", dict(number="tre"), "number",
                         ("wt", "Not a valid integer value.", {})),
    "new: number taken": ("new", dict(number="1"), "number",
                          ("app", "Number %(n)d is already used in this plan.", {"n": 1})),
    "new: handling type": ("new", dict(handling_type="bön"), "handling_type", NOT_A_CHOICE),
    "new: kind": ("new", dict(kind="castle"), "kind", NOT_A_CHOICE),
    "new: plan of another region": ("new", dict(plan_id=lambda: str(plan_of("SRM").id)),
                                    "plan_id", NOT_A_CHOICE),
    # the edit form (the owner, own risk)
    "edit: empty event": ("edit", dict(event=""), "event", REQUIRED),
    "edit: long event": ("edit", dict(event="x" * 4001), "event", TOO_LONG),
    "edit: long consequence": ("edit", dict(consequence_text="x" * 5000), "consequence_text",
                               TOO_LONG),
    "edit: long control method": ("edit", dict(control_method="x" * 4001), "control_method",
                                  TOO_LONG),
    "edit: unknown success factor": ("edit", dict(success_factor_id="999999"),
                                     "success_factor_id", NOT_A_CHOICE),
    # the re-assess form (the owner, own risk)
    "assess: likelihood 5": ("assess", dict(likelihood="5"), "likelihood", NOT_A_CHOICE),
    "assess: consequence 5": ("assess", dict(consequence="5"), "consequence", NOT_A_CHOICE),
    "assess: likelihood 0": ("assess", dict(likelihood="0"), "likelihood", SCALE),
    "assess: likelihood -1": ("assess", dict(likelihood="-1"), "likelihood", SCALE),
    "assess: likelihood text": ("assess", dict(likelihood="tre"), "likelihood", SCALE),
    "assess: likelihood huge": ("assess", dict(likelihood="9" * 30), "likelihood", SCALE),
    "assess: no consequence": ("assess", dict(consequence=""), "consequence", REQUIRED),
    "assess: future period": ("assess", dict(period="2022-T3"), "period", NOT_A_CHOICE),
    "assess: far future": ("assess", dict(period="2099-T1"), "period", NOT_A_CHOICE),
    "assess: bad period": ("assess", dict(period="2022-T4"), "period", NOT_A_CHOICE),
    "assess: no period": ("assess", dict(period=""), "period", REQUIRED),
    "assess: long comment": ("assess", dict(comment="x" * 4001), "comment", TOO_LONG),
    # re-assign and archive (the coordinator)
    "owner: not an owner here": ("owner", dict(owner_id=_ls1_owner_id), "owner_id",
                                 NOT_A_CHOICE),
    "owner: none": ("owner", dict(owner_id=""), "owner_id", REQUIRED),
    "owner: text": ("owner", dict(owner_id="Rikard"), "owner_id", NOT_A_CHOICE),
    "archive: no reason": ("archive", dict(reason=""), "reason", REQUIRED),
    "archive: blank reason": ("archive", dict(reason=" \n "), "reason", REQUIRED),
    "archive: long reason": ("archive", dict(reason="x" * 4001), "reason", TOO_LONG),
}


def _message(kind: str, msgid: str, params: dict, locale: str) -> str:
    from markupsafe import escape

    if kind == "app":
        return translated(msgid, locale, **params)
    if kind == "wt-plural":
        return str(escape(wt(msgid, locale, msgid.replace("character.", "characters."),
                             params["max"], **params)))
    return str(escape(wt(msgid, locale, **params)))


def _bad_form(form: str, changes: dict) -> tuple[str, dict, str]:
    changes = {k: v() if callable(v) else v for k, v in changes.items()}
    r = risk("NLL", 1)
    if form == "new":
        return (f"/risks/new?unit={unit('NLL-RS').id}", new_risk_data(**changes),
                NLL_COORDINATOR)
    if form == "edit":
        # re-linking to another success factor is the coordinator's (owners get 403)
        who = NLL_COORDINATOR if "success_factor_id" in changes else NLL_OWNER
        return f"/risks/{r.id}/edit", edit_data(r, **changes), who
    if form == "assess":
        data = {**assess_data(r, "2022-T2", 2, 2), **changes}
        return f"/risks/{r.id}/assess", data, NLL_OWNER
    data = {"owner_id": str(user(NLL_OWNER).id), "reason": "Skäl", "version": str(r.version)}
    data.update(changes)
    if form == "owner":
        data.pop("reason")
    else:
        data.pop("owner_id")
    return f"/risks/{r.id}/{form}", data, NLL_COORDINATOR


@pytest.mark.parametrize(("form", "changes", "field", "message"), BAD_FORMS.values(),
                         ids=BAD_FORMS.keys())
def test_bad_input_is_a_form_error_and_nothing_is_saved(login_as, t2, form, changes, field,
                                                       message):
    url, data, email = _bad_form(form, changes)
    c = login_as(email)
    before = db_state()
    response = c.post_form(url, data)
    assert response.status_code == 400
    shown = field_errors(response, field)
    assert shown, f"no error under {field}"
    kind, msgid, params = message
    assert _message(kind, msgid, params, "sv") in shown
    assert db_state() == before


@pytest.mark.parametrize("name", ["new: number taken", "assess: likelihood 0",
                                  "assess: future period", "edit: long event",
                                  "new: no success factor"])
def test_form_errors_follow_the_interface_language(login_as, t2, name):
    form, changes, field, (kind, msgid, params) = BAD_FORMS[name]
    url, data, email = _bad_form(form, changes)
    c = login_as(email)
    c.post_form("/language/en", page="/")
    response = c.post_form(url, data)
    assert response.status_code == 400
    english = _message(kind, msgid, params, "en")
    assert english != _message(kind, msgid, params, "sv")
    assert english in field_errors(response, field)
    assert 'lang="en"' in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/risks/abc", "/risks/0", "/risks/-1", f"/risks/{2**31}",
                                  f"/risks/{'9' * 25}/edit", f"/risks/{2**31 - 1}",
                                  f"/risks/{2**31 - 1}/assess",
                                  "/risks/new?unit=abc", f"/risks/new?unit={2**31 - 1}"])
def test_odd_risk_urls_are_not_found_or_a_choice(coordinator, path):
    response = coordinator.get(path)
    assert response.status_code in (200, 404)  # /new?unit=abc asks for the unit again
    if "new" not in path or str(2**31 - 1) in path:
        assert response.status_code == 404


# ======================================================================================
# The start pages: "not yet re-assessed this tertial"
# ======================================================================================
def test_owner_and_coordinator_see_what_waits_for_this_tertial(login_as, t2):
    waiting = {risk("NLL", n).id for n in NLL_NUMBERS if n not in NLL_REASSESSED_T2}
    assert len(waiting) == 11
    owner_home = login_as(NLL_OWNER).get("/").get_data(as_text=True)
    own = section(owner_home, "awaiting-own")
    assert own and linked_risk_ids(own, "/assess") == waiting
    assert "2022-T2" in own and "(11)" in own
    coordinator_home = login_as(NLL_COORDINATOR).get("/").get_data(as_text=True)
    units = section(coordinator_home, "awaiting-units")
    assert units and linked_risk_ids(units, "/assess") == waiting
    assert section(coordinator_home, "awaiting-own") is None
    board_home = login_as(NLL_BOARD).get("/").get_data(as_text=True)
    assert section(board_home, "awaiting-own") is None
    assert section(board_home, "awaiting-units") is None


def test_a_re_assessed_risk_leaves_the_lists(login_as, t2):
    owner = login_as(NLL_OWNER)
    r = risk("NLL", 1)
    owner.post_form(f"/risks/{r.id}/assess", assess_data(r, "2022-T2", 2, 3, "Oförändrad"))
    for email, testid in ((NLL_OWNER, "awaiting-own"), (NLL_COORDINATOR, "awaiting-units")):
        fragment = section(login_as(email).get("/").get_data(as_text=True), testid)
        assert r.id not in linked_risk_ids(fragment, "/assess")
        assert "(10)" in fragment


def test_the_list_is_only_the_owners_own(second_owner, owner, t2, coordinator):
    r = risk("NLL", 1)
    coordinator.post_form(f"/risks/{r.id}/owner", {
        "owner_id": str(user(SECOND_OWNER).id), "version": str(r.version)})
    mine = section(second_owner.get("/").get_data(as_text=True), "awaiting-own")
    assert linked_risk_ids(mine, "/assess") == {r.id}
    theirs = section(owner.get("/").get_data(as_text=True), "awaiting-own")
    assert r.id not in linked_risk_ids(theirs, "/assess")


def test_sormland_waits_for_three_in_2024_t2(login_as, set_today):
    set_today(TODAY_2024_T2)
    waiting = {risk("SRM", n).id for n in (1, 3, 4)}
    own = section(login_as(SRM_OWNER).get("/").get_data(as_text=True), "awaiting-own")
    assert linked_risk_ids(own, "/assess") == waiting
    units = section(login_as(SRM_COORDINATOR).get("/").get_data(as_text=True), "awaiting-units")
    assert linked_risk_ids(units, "/assess") == waiting


# ======================================================================================
# Query counts: the same for 10 and for 500 risks
# ======================================================================================
# Pinned: the signed-in user with their roles (2); the filter's choices: units, owners,
# perspectives (3); the scale (1); the page of risks with units, owners and factors, the
# total riding along as a window count (1); the scales of the page's organisations (1).
LIST_PAGE_QUERIES = 8


def _spread(count: int) -> None:
    """``count`` risks over four units beneath LS1 and two owners."""
    units = ["NLL-LS1-AKUT", "NLL-LS1-BARN", "NLL-LS1-IMED", "NLL-LS1-NEURO"]
    per = count // 4
    for i, code in enumerate(units):
        add_risks(per, unit_code=code, owner_email=(LS1_OWNER, NLL_OWNER)[i % 2],
                  event_text=f"Volym {code}")


def _list_queries(c, statement_log) -> tuple[int, int]:
    query = {"unit": str(unit("NLL-LS1").id), "include_subunits": "y", "sort": "-value"}
    c.get("/risks/", query_string=query)  # warm
    with statement_log() as q:
        response = c.get("/risks/", query_string=query)
    assert response.status_code == 200
    return q.count, register_total(response.get_data(as_text=True))


def test_the_list_page_issues_the_same_queries_for_10_and_500_risks(coordinator,
                                                                    statement_log):
    _spread(12)
    small, total_small = _list_queries(coordinator, statement_log)
    _spread(488)
    large, total_large = _list_queries(coordinator, statement_log)
    assert (total_small, total_large) == (12, 500)
    assert small == large == LIST_PAGE_QUERIES



def test_the_start_page_issues_the_same_queries_for_10_and_500_risks(owner_ls1, set_today,
                                                                     statement_log):
    set_today(TODAY_2022_T2)
    _spread(12)
    owner_ls1.get("/")
    with statement_log() as small:
        owner_ls1.get("/")
    _spread(488)
    with statement_log() as large:
        html = owner_ls1.get("/").get_data(as_text=True)
    assert "(250)" in section(html, "awaiting-own")
    assert small.count == large.count
