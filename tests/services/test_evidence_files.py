"""Evidence files and the unit of work (riskreg/uow.py write_file): a file is written
before the commit under a temporary name and renamed, so a committed row always has its
whole file; when the unit of work does not commit — a refused form, an exception, a
failing commit — the file is removed again and no orphan is left."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from riskreg import uow
from riskreg.controls import services
from riskreg.extensions import db
from riskreg.models import Evidence
from tests.conftest import user
from tests.helpers.controls import COORDINATOR, PDF, make_run, make_spot_check


@pytest.fixture
def evidence_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_EVIDENCE_DIR", str(tmp_path))
    return tmp_path


def evidence_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Evidence))


def test_a_committed_file_is_kept_whole_under_its_name(t2, app, evidence_dir):
    r = make_run(make_spot_check())
    with app.test_request_context(), uow.transaction():
        ev = services.add_evidence(user(COORDINATOR), r, "kvitto.pdf", PDF)
    assert [p.name for p in evidence_dir.iterdir()] == [ev.stored_as]  # no .part left
    assert (evidence_dir / ev.stored_as).read_bytes() == PDF


def test_a_unit_of_work_that_does_not_commit_leaves_no_file(t2, app, evidence_dir):
    r = make_run(make_spot_check())
    before = evidence_rows()
    with app.test_request_context(), pytest.raises(RuntimeError), uow.transaction():
        ev = services.add_evidence(user(COORDINATOR), r, "kvitto.pdf", PDF)
        assert (evidence_dir / ev.stored_as).is_file()  # written before the commit
        raise RuntimeError("something after the write failed")
    assert list(evidence_dir.iterdir()) == []
    assert evidence_rows() == before


def test_a_failing_commit_of_the_request_leaves_no_file(t2, app, evidence_dir, coordinator,
                                                       monkeypatch):
    r = make_run(make_spot_check())
    page = f"/controls/runs/{r.id}"
    token = coordinator.csrf_token(page)
    before = evidence_rows()

    def failing_commit():
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    written = []
    write = uow.write_file

    def spy(path, data, session=None):
        write(path, data, session)
        written.append((path, path.is_file()))

    monkeypatch.setattr(uow, "write_file", spy)
    monkeypatch.setattr(db.session, "commit", failing_commit)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = coordinator.post(f"{page}/evidence", data={
        "csrf_token": token, "file": (io.BytesIO(PDF), "kvitto.pdf")},
        content_type="multipart/form-data")
    monkeypatch.undo()
    assert response.status_code == 500
    assert [(p.parent, there) for p, there in written] == [(evidence_dir, True)]
    assert list(evidence_dir.iterdir()) == []
    assert evidence_rows() == before


def test_a_refused_upload_writes_nothing(t2, app, evidence_dir, coordinator):
    r = make_run(make_spot_check())
    page = f"/controls/runs/{r.id}"
    refused = coordinator.post_form(f"{page}/evidence",
                                    {"file": (io.BytesIO(b"MZ\x90\x00"), "a.pdf")},
                                    page=page, content_type="multipart/form-data")
    assert refused.status_code == 400
    assert list(evidence_dir.iterdir()) == []
