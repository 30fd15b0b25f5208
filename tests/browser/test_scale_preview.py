"""The scale editor's preview in the browser (issue 13, item 7): an administrator renames
the top band, presses Preview, sees the matrix with the new name, and nothing is saved."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

pytestmark = pytest.mark.browser

ADMIN = "admin@sormland.example"  # administrator of Region Sörmland (SRM)


def test_preview_rerenders_the_matrix_without_saving(page, login, live_server):
    from riskreg.extensions import db
    from riskreg.models import Unit
    from riskreg.scales import scale_for_root

    with live_server.app.app_context():
        root = db.session.scalar(select(Unit).where(Unit.code == "SRM"))
        root_id, before = root.id, scale_for_root(root.id)
        db.session.remove()
    top = len(before.bands) - 1
    login(page, ADMIN)
    page.goto(f"/admin/scale/{root_id}")
    page.fill(f"#bands-{top}-name", "Förhandsröd")
    page.get_by_test_id("scale-preview-button").click()
    preview = page.get_by_test_id("scale-preview")
    expect(preview).to_be_visible()
    expect(preview.get_by_test_id("scale-matrix")).to_contain_text(
        f"{before.max_value} – Förhandsröd")
    # the form keeps the input; the stored scale is unchanged
    expect(page.locator(f"#bands-{top}-name")).to_have_value("Förhandsröd")
    with live_server.app.app_context():
        assert scale_for_root(root_id) == before
        db.session.remove()


def test_the_matrix_follows_the_fields_as_they_are_typed(page, login, live_server):
    """With JavaScript the matrix is redrawn from the fields at once (nothing is sent)."""
    from riskreg.extensions import db
    from riskreg.models import Unit
    from riskreg.scales import scale_for_root

    with live_server.app.app_context():
        root = db.session.scalar(select(Unit).where(Unit.code == "SRM"))
        root_id, before = root.id, scale_for_root(root.id)
        db.session.remove()
    login(page, ADMIN)
    page.goto(f"/admin/scale/{root_id}")
    live = page.get_by_test_id("live-scale")
    expect(live).to_be_visible()
    top = len(before.bands) - 1
    expect(live).to_contain_text(f"{before.max_value} – {before.bands[top].name}")
    page.fill(f"#bands-{top}-name", "Skrivröd")
    expect(live).to_contain_text(f"{before.max_value} – Skrivröd")
    page.fill("#steps-0-likelihood", "Nästan aldrig")
    expect(live.locator("tbody tr").last.locator("th")).to_have_text("1 Nästan aldrig")
