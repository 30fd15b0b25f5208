"""Control runs in a period reported to the board (riskreg/locks/): the run page, the run
form and the control's schedule show the lock and offer no recording; a post made anyway
is a form error (400) for those who may record, 403 for the others, and changes nothing.

Today is in 2022-T2 (``t2``); Regionstyrelsen's 2022-T1 is reported (locked) after a spot
check was recorded in it. The responsible person of the spot check is a risk owner (not a
coordinator), so both ways of being allowed to record are covered.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from riskreg.extensions import db
from riskreg.models import ControlRun, Evidence
from tests.conftest import field_errors, unit
from tests.helpers.controls import PDF, make_run, make_spot_check
from tests.helpers.locks import lock, reopen

LOCKED = "Perioden 2022-T1 (DÅ04) är rapporterad till nämnden och låst"
RESPONSIBLE = "riskagare@norrbotten.example"  # the owner fixture: responsible here
MAY_RECORD = ("coordinator", "owner")
READ_ONLY = ("board", "owner2_client")


@pytest.fixture
def locked_run(t2, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_EVIDENCE_DIR", str(tmp_path))
    c = make_spot_check(responsible=RESPONSIBLE)
    r = make_run(c, "2022-T1")
    lock()
    return c, r


@pytest.fixture
def owner2_client(owner2, login_as):
    """A risk owner on the same unit who is not the control's responsible."""
    return login_as(owner2.email)


def runs() -> int:
    return db.session.scalar(select(func.count()).select_from(ControlRun))


@pytest.mark.parametrize("role", MAY_RECORD + READ_ONLY)
def test_the_run_page_shows_the_lock_and_no_form(locked_run, as_role, request, role):
    client = request.getfixturevalue(role) if role == "owner2_client" else as_role(role)
    _c, r = locked_run
    page = client.get(f"/controls/runs/{r.id}").get_data(as_text=True)
    assert 'data-testid="lock-banner"' in page and "DÅ04 till regionstyrelsen" in page
    assert f'action="/controls/runs/{r.id}"' not in page  # no results form
    assert f'action="/controls/runs/{r.id}/evidence"' not in page
    # those who could record are told why they cannot
    assert ('data-testid="lock-banner-note"' in page) == (role in MAY_RECORD)


@pytest.mark.parametrize(("role", "status"), [("coordinator", 400), ("owner", 400),
                                              ("board", 403), ("owner2_client", 403)])
def test_posting_results_anyway_is_a_form_error_or_forbidden(locked_run, as_role, request,
                                                            role, status):
    client = request.getfixturevalue(role) if role == "owner2_client" else as_role(role)
    _c, r = locked_run
    before = (r.version, r.conclusion)
    response = client.post_form(f"/controls/runs/{r.id}", {
        "version": str(r.version), "conclusion": "not_performed",
        "not_performed_reason": "Efteråt"}, page="/")
    assert response.status_code == status
    if status == 400:
        assert LOCKED in response.get_data(as_text=True)
        assert 'data-testid="lock-banner"' in response.get_data(as_text=True)
    db.session.expire_all()
    again = db.session.get(ControlRun, r.id)
    assert (again.version, again.conclusion) == before


@pytest.mark.parametrize("role", MAY_RECORD)
def test_evidence_cannot_be_added_or_removed(locked_run, as_role, role, tmp_path):
    client = as_role(role)
    _c, r = locked_run
    added = client.post_form(f"/controls/runs/{r.id}/evidence",
                             {"file": (io.BytesIO(PDF), "kvitto.pdf")}, page="/",
                             content_type="multipart/form-data")
    assert added.status_code == 400 and LOCKED in added.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
    assert list(tmp_path.iterdir()) == []


def test_evidence_attached_before_the_report_stays(t2, app, tmp_path, monkeypatch,
                                                  coordinator):
    monkeypatch.setitem(app.config, "RISKREG_EVIDENCE_DIR", str(tmp_path))
    r = make_run(make_spot_check(), "2022-T1")
    page = f"/controls/runs/{r.id}"
    assert coordinator.post_form(f"{page}/evidence", {"file": (io.BytesIO(PDF), "k.pdf")},
                                 page=page, content_type="multipart/form-data"
                                 ).status_code == 302
    ev = db.session.scalar(select(Evidence).where(Evidence.run_id == r.id))
    lock()
    removed = coordinator.post_form(f"/controls/evidence/{ev.id}/delete", page="/",
                                    follow_redirects=True)
    assert LOCKED in removed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Evidence, ev.id).deleted_at is None


@pytest.mark.parametrize("role", MAY_RECORD)
def test_the_run_form_shows_the_lock_and_refuses_the_period(locked_run, as_role, role):
    client = as_role(role)
    c, _r = locked_run
    url = f"/controls/{c.id}/runs/new"
    rs = unit("NLL-RS").id
    page = client.get(f"{url}?unit={rs}&period=2022-T1").get_data(as_text=True)
    assert 'data-testid="lock-banner"' in page and 'data-testid="record-locked"' in page
    assert "rapporterad till nämnden" in page  # the marked period choice
    open_page = client.get(f"{url}?unit={rs}&period=2022-T2").get_data(as_text=True)
    assert 'data-testid="lock-banner"' not in open_page
    assert 'data-testid="record-locked"' not in open_page
    before = runs()
    response = client.post_form(url, {
        "unit": str(rs), "period": "2022-T1", "occasion": "1", "performed_on": "2022-04-20",
        "items": "A\nB\nC", "sample_size": "2", "seed": "s"}, page=f"{url}?period=2022-T2")
    assert response.status_code == 400
    assert LOCKED in field_errors(response, "period")
    assert 'data-testid="record-locked"' in response.get_data(as_text=True)
    assert runs() == before


def test_the_schedule_marks_the_locked_tertial_and_links_the_open_one(locked_run,
                                                                     coordinator):
    c, r = locked_run
    page = coordinator.get(f"/controls/{c.id}").get_data(as_text=True)
    assert 'data-testid="lock-mark"' in page
    assert "period=2022-T1" not in page  # no "Record" for the locked tertial
    assert f"/controls/{c.id}/runs/new?" in page and "period=2022-T2" in page


def test_reopening_makes_the_run_editable_again(locked_run, coordinator):
    _c, r = locked_run
    reopen()
    page = coordinator.get(f"/controls/runs/{r.id}").get_data(as_text=True)
    assert 'data-testid="lock-banner"' not in page
    assert f'action="/controls/runs/{r.id}"' in page
