"""Measure pages, the follow-up reports, findings and the API: per role, bad input, query pins."""

from __future__ import annotations

from sqlalchemy import func, select

from riskreg.extensions import db
from riskreg.models import Measure, MeasureFollowUp, MeasureRisk, Plan, Risk
from tests.conftest import field_errors, unit
from tests.helpers.measures import make_measure, measure, risk


def test_report_in_000_layout_groups_by_perspective(board):
    url = f"/measures/report?unit={unit('NLL-LS1').id}&period=2022-T1"
    html = board.get(url).get_data(as_text=True)
    assert "Medarbetarperspektivet" in html and "Minskad användning av inhyrd personal." in html
    assert "Omständigheterna efter pandemin" in html  # measure 17's comment, status ▲
    assert html.count('data-testid="report-group"') >= 4


def test_report_in_003_layout(coordinator):
    url = f"/measures/report?unit={unit('NLL-RS').id}&period=2017-T1&layout=issues"
    html = coordinator.get(url).get_data(as_text=True)
    assert "Minska övertid" in html
    assert "Övertiden inom Närsjukvården har minskat" in html  # Resultat
    assert "Inget nytt att redovisa" in html


def test_risk_page_lists_its_measures(board):
    html = board.get(f"/risks/{risk(12).id}?period=2022-T1").get_data(as_text=True)
    assert "Minskad användning av inhyrd personal." in html and "Försenad eller i risk" in html


def test_owner_follows_up_and_bad_status_is_a_form_error(t2, owner):
    m = make_measure("Egen åtgärd")
    url = f"/measures/{m.id}/follow-up"
    bad = owner.post_form(url, {"period": "2022-T2", "status": "nope", "comment": "x",
                                "version": m.version})
    assert bad.status_code == 400 and field_errors(bad, "status")
    assert db.session.scalar(select(func.count()).select_from(MeasureFollowUp)
                             .where(MeasureFollowUp.measure_id == m.id)) == 0
    ok = owner.post_form(url, {"period": "2022-T2", "status": "on_track", "comment": "Pågår",
                               "result": "", "version": m.version})
    assert ok.status_code == 302
    f = db.session.scalar(select(MeasureFollowUp).where(MeasureFollowUp.measure_id == m.id))
    assert (f.status.code, f.comment) == ("on_track", "Pågår")


def test_future_period_is_refused(t2, coordinator):
    m = make_measure()
    r = coordinator.post_form(f"/measures/{m.id}/follow-up", {
        "period": "2022-T3", "status": "on_track", "version": m.version})
    assert r.status_code == 400


def test_create_with_due_before_start_is_a_form_error(t2, coordinator):
    before = db.session.scalar(select(func.count()).select_from(Measure))
    r = coordinator.post_form(f"/measures/new?unit={unit('NLL-RS').id}", {
        "plan_id": str(measure(101).plan_id), "title": "Ny", "start_date": "2022-06-01",
        "due_date": "2022-05-01"})
    assert r.status_code == 400 and field_errors(r, "due_date")
    assert db.session.scalar(select(func.count()).select_from(Measure)) == before


def test_coordinator_links_two_risks_and_not_another_organisations(t2, coordinator):
    m = make_measure()
    srm = db.session.scalar(select(Risk.id).join(Plan, Plan.id == Risk.plan_id)
                            .where(Plan.unit_id == unit("SRM-PV").id).limit(1))
    url = f"/measures/{m.id}/risks"
    bad = coordinator.post_form(url, {"risks": [risk(3).id, srm], "version": m.version})
    assert bad.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(MeasureRisk)
                             .where(MeasureRisk.measure_id == m.id)) == 0
    ok = coordinator.post_form(url, {"risks": [risk(3).id, risk(7).id], "version": m.version})
    assert ok.status_code == 302
    assert sorted(db.session.scalars(select(MeasureRisk.risk_id)
                                     .where(MeasureRisk.measure_id == m.id))) == sorted(
        [risk(3).id, risk(7).id])


def test_carry_forward_from_the_list(t2, coordinator):
    a, b = make_measure("A"), make_measure("B")
    r = coordinator.post_form("/measures/carry-forward",
                              {"period": "2022-T2", "measures": [a.id, b.id]},
                              page="/measures/?period=2022-T2")
    assert r.status_code == 302
    rows = list(db.session.scalars(select(MeasureFollowUp).where(
        MeasureFollowUp.measure_id.in_([a.id, b.id]))))
    assert len(rows) == 2 and all(f.carried_forward for f in rows)


def test_findings_risk_without_measure_appears_when_its_measures_close(t2, coordinator,
                                                                       board):
    # risk 12 (value 12) is covered by the LS1 measures 15-18 only
    for n in (15, 16, 17, 18):
        db.session.delete(db.session.get(MeasureRisk, (measure(n).id, risk(12).id)))
    db.session.commit()
    data = board.get(f"/api/v1/findings?unit={unit('NLL-RS').id}&period=2022-T2").get_json()
    first = next(f for f in data["findings"] if f["kind"] == "risk_without_measure")
    assert [i["number"] for i in first["items"]] == [12] and first["total"] == 1


def test_api_measures_items(board):
    data = board.get(f"/api/v1/measures?unit={unit('NLL-LS1').id}&period=2022-T1").get_json()
    by_number = {m["number"]: m for m in data["measures"]}
    assert len(by_number) == 31
    m17 = by_number[17]
    assert m17["risk_ids"] == [risk(12).id]
    assert m17["follow_up"]["status"]["symbol"] == "▲"
    assert by_number[1]["follow_up"]["status"] is None


def test_api_bad_parameters(board, admin_sormland):
    assert board.get("/api/v1/measures?period=2022-T9").status_code == 400
    assert board.get("/api/v1/findings?unit=abc").status_code == 400
    assert admin_sormland.get(f"/api/v1/findings?unit={unit('NLL-RS').id}").status_code == 404


def test_query_counts_are_constant_in_the_number_of_measures(t2, board, statement_log):
    urls = [f"/measures/?unit={unit('NLL-RS').id}&period=2022-T2",
            f"/measures/report?unit={unit('NLL-RS').id}&period=2022-T2",
            f"/api/v1/findings?unit={unit('NLL-RS').id}&period=2022-T2",
            f"/api/v1/measures?unit={unit('NLL-RS').id}&period=2022-T2"]
    for url in urls:
        board.get(url)
    counts = []
    for url in urls:
        with statement_log() as log:
            assert board.get(url).status_code == 200
        counts.append(log.count)
    for i in range(40):
        make_measure(f"Extra {i}", unit_code="NLL-LS1-IMED", responsible=None)
    grown = []
    for url in urls:
        with statement_log() as log:
            assert board.get(url).status_code == 200
        grown.append(log.count)
    assert counts == grown
    assert counts == [PINNED_LIST, PINNED_REPORT, PINNED_FINDINGS, PINNED_API]


# signed-in user and grants, then: list (filters, statuses, responsibles, list, links,
# the period's lock for the chosen unit); report (one statement); findings (scale + one per
# kind); API list (list + links)
PINNED_LIST, PINNED_REPORT, PINNED_FINDINGS, PINNED_API = 8, 3, 6, 4  # findings: 4 kinds


def _scale_form(statuses, **change) -> dict:
    data = {}
    for i, s in enumerate(statuses):
        for key in ("code", "symbol", "label", "colour"):
            data[f"rows-{i}-{key}"] = getattr(s, key)
        if s.means_finished:
            data[f"rows-{i}-means_finished"] = "y"
        data[f"rows-{i}-position"] = str(s.position)
    data.update(change)
    return data


def test_admin_edits_the_status_scale_and_bad_colour_saves_nothing(admin, admin_sormland):
    from riskreg.measures.scale import statuses_for_root

    root = unit("NLL")
    url = f"/measures/statuses/{root.id}"
    statuses = statuses_for_root(root.id)
    bad = admin.post_form(url, _scale_form(statuses, **{"rows-0-label": "Ändrad",
                                                        "rows-1-colour": "red"}))
    assert bad.status_code == 400 and field_errors(bad, "rows-1-colour")
    db.session.expire_all()
    assert statuses_for_root(root.id)[0].label == "Försenad eller i risk"
    ok = admin.post_form(url, _scale_form(statuses, **{
        "rows-0-label": "Försenad", "rows-5-code": "stopped", "rows-5-symbol": "✕",
        "rows-5-label": "Stoppad", "rows-5-colour": "#000000", "rows-5-position": "9"}))
    assert ok.status_code == 302
    db.session.expire_all()
    after = {s.code: s.label for s in statuses_for_root(root.id)}
    assert after["at_risk"] == "Försenad" and after["stopped"] == "Stoppad"
    assert admin_sormland.get(url).status_code == 404


def test_coordinator_start_page_shows_findings(t2, coordinator):
    html = coordinator.get("/").get_data(as_text=True)
    assert f'data-testid="findings-{unit("NLL-RS").id}"' in html
    assert 'data-finding="measure_without_status"' in html


def test_list_filters_overdue_and_no_status(t2, board):
    from datetime import date

    late = make_measure("Försenad åtgärd", start_date=date(2022, 1, 1),
                        due_date=date(2022, 3, 31))
    html = board.get(f"/measures/?unit={unit('NLL-RS').id}&due=overdue&period=2022-T2"
                     ).get_data(as_text=True)
    assert f'data-measure-id="{late.id}"' in html
    assert f'data-measure-id="{measure(7).id}"' not in html
    html = board.get(f"/measures/?unit={unit('NLL-LS1').id}&status=none&period=2022-T1"
                     ).get_data(as_text=True)
    assert f'data-measure-id="{measure(1).id}"' in html
    assert f'data-measure-id="{measure(7).id}"' not in html  # ● in 2022-T1
    data = board.get(f"/api/v1/findings?unit={unit('NLL-RS').id}&period=2022-T2").get_json()
    overdue = next(f for f in data["findings"] if f["kind"] == "measure_overdue")
    assert [i["id"] for i in overdue["items"]] == [late.id]


def test_api_measures_pages_with_the_total(board):
    url = f"/api/v1/measures?unit={unit('NLL-LS1').id}&period=2022-T1&per_page=10"
    pages = [board.get(f"{url}&page={n}").get_json() for n in (1, 4, 5)]
    assert [len(p["measures"]) for p in pages] == [10, 1, 0]
    assert {p["total"] for p in pages} == {31}
    assert pages[1]["measures"][0]["number"] == 31
    assert board.get(url.replace("per_page=10", "per_page=0")).status_code == 400


def test_list_pages_through_every_measure_keeping_the_filters(board, monkeypatch):
    import re

    from riskreg.measures import routes

    monkeypatch.setattr(routes, "PER_PAGE", 10)
    base = f"/measures/?unit={unit('NLL-LS1').id}&period=2022-T1&state=active"
    seen: list[str] = []
    url, pages = base, 0
    while url:
        html = board.get(url).get_data(as_text=True)
        seen += re.findall(r'data-measure-id="(\d+)"', html)
        pages += 1
        nxt = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
        if url:
            assert f"unit={unit('NLL-LS1').id}" in url and "period=2022-T1" in url
    total = db.session.scalar(select(func.count()).select_from(Measure).where(
        Measure.unit_id == unit("NLL-LS1").id, Measure.state == "active"))
    assert pages == -(-total // 10) and pages > 1
    assert len(seen) == len(set(seen)) == total
    last = board.get(f"{base}&page={pages}").get_data(as_text=True)
    assert f"Sida {pages} av {pages}" in last and 'rel="prev"' in last
    assert board.get(f"{base}&page=0").status_code == 400
