"""The board pack as a PDF made on the server (WeasyPrint), read back with real tools:
poppler-utils' pdfinfo (page count), pdftotext (band summary, risk numbers, å ä ö, the
running header and footer on every page) and pdftoppm (the first page as a PNG, kept in
test-artifacts/boardpack/ for a person to look at). tests/run-all.sh installs Debian's
poppler-utils and fonts-dejavu-core when they are missing."""

from __future__ import annotations

import re
import subprocess  # nosec B404: poppler's command-line tools on a file the test wrote
from pathlib import Path

import pytest
import yaml

from riskreg.scales import scale_for_unit
from tests.conftest import translated, unit
from tests.helpers.heatmaps import NORRBOTTEN, SEED_DIR, band_summary, plant_risk, seed_cells

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "boardpack"
# pages: Norrbotten's whole region for 2022-T2 (the board view printed 11); the
# internal-control follow-up of Regionstyrelsen's five controls added the seventh
HANDFUL = 7
MEETING = "2022-09-20"


def run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, check=True, timeout=120)  # nosec B603
    return done.stdout.decode("utf-8")


def fetch_pdf(client, tmp_path: Path, unit_code: str, period: str, **query) -> Path:
    response = client.get("/board/pack.pdf", query_string={
        "unit": unit(unit_code).id, "period": period, **query})
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="styrelsepaket-{unit_code}-{period}.pdf"'
    assert "no-store" in response.headers["Cache-Control"]
    path = tmp_path / "pack.pdf"
    path.write_bytes(response.data)
    return path


def page_count(pdf: Path) -> int:
    match = re.search(r"^Pages:\s+(\d+)$", run("pdfinfo", str(pdf)), re.MULTILINE)
    assert match
    return int(match.group(1))


def pages_text(pdf: Path) -> list[str]:
    """The text of each page, whitespace collapsed (pdftotext ends a page with \\f)."""
    raw = run("pdftotext", "-enc", "UTF-8", str(pdf), "-")
    return [" ".join(p.split()) for p in raw.split("\f") if p.strip()]


@pytest.fixture
def norrbotten_pdf(board, tmp_path) -> Path:
    """Norrbotten's whole-region pack for 2022-T2, as its board reviewer downloads it."""
    return fetch_pdf(board, tmp_path, "NLL-RS", "2022-T2", meeting=MEETING)


def test_norrbotten_pack_pdf(norrbotten_pdf):
    """One PDF made, read four ways (a render costs seconds)."""
    assert 3 <= page_count(norrbotten_pdf) <= HANDFUL
    info = run("pdfinfo", str(norrbotten_pdf))  # document properties from the HTML head
    assert re.search(r"^Title:\s+Styrelsehandling – Regionstyrelsen – 2022-T2$", info, re.M)
    assert re.search(r"^Author:\s+Region Norrbotten$", info, re.M)
    check_text(norrbotten_pdf)
    check_every_page(norrbotten_pdf)
    keep_first_pages(norrbotten_pdf)


def check_text(norrbotten_pdf: Path) -> None:
    """The band summary in 004's form, every risk number with its title, å ä ö."""
    pages = pages_text(norrbotten_pdf)
    text = " ".join(pages)
    scale = scale_for_unit(unit("NLL-RS"))
    expected = seed_cells(NORRBOTTEN[0], "NLL-RS", "2022-T2")
    summary = band_summary(expected, scale, translated("Total"))
    assert summary == "10 Hög 5 Medel 1 Låg | Totalt: 16"  # the form of 004
    assert summary in text
    # every risk number in the list of risks, before its title (read from the seed)
    seeded = yaml.safe_load((SEED_DIR / NORRBOTTEN[0]).read_text(encoding="utf-8"))
    titles = {r["number"]: r.get("title") or r["event"] for r in seeded["risks"]
              if r["unit"] == "NLL-RS"}
    for number in (n for ns in expected.values() for n in ns):
        words = " ".join(titles[number].split()[:2])
        assert re.search(rf"\b{number} {re.escape(words)}", text), (number, words)
    # å ä ö, as text (an embedded font with those glyphs, not boxes or mojibake)
    for word in ("Måttlig", "Hög", "Sannolikhet", "Sammanträde", "Måluppfyllelse",
                 "Att uppmärksamma", "Åtgärd", "Region Norrbotten"):
        assert word in text, word
    assert "Ã" not in text and "\ufffd" not in text


def check_every_page(norrbotten_pdf: Path) -> None:
    """The running header and footer: page number, print date, legend, meeting, period."""
    pages = pages_text(norrbotten_pdf)
    scale = scale_for_unit(unit("NLL-RS"))
    n = len(pages)
    for i, page in enumerate(pages, start=1):
        assert f"Sida {i} av {n}" in page
        assert "Utskriven" in page
        for band in scale.bands:
            assert f"{band.name} {band.low}–{band.high}" in page, (i, band.name)
        if i > 1:  # the cover carries these itself
            assert f"Sammanträde {MEETING}" in page and "2022-T2 (DÅ08)" in page


def keep_first_pages(norrbotten_pdf: Path) -> None:
    """The cover and the matrix page as PNGs (and the PDF) in test-artifacts/boardpack/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS / "pack-NLL-RS-2022-T2-page1"
    run("pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile",
        str(norrbotten_pdf), str(stem))
    png = stem.with_suffix(".png")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert height / width == pytest.approx(297 / 210, rel=0.01)  # A4 portrait
    # the page with the matrix too (what the board looks at first)
    run("pdftoppm", "-png", "-r", "110", "-f", "2", "-l", "2", "-singlefile",
        str(norrbotten_pdf), str(ARTIFACTS / "pack-NLL-RS-2022-T2-page2"))
    (ARTIFACTS / "pack-NLL-RS-2022-T2.pdf").write_bytes(norrbotten_pdf.read_bytes())


def test_a_canary_risk_of_another_region_is_not_in_the_pdf(board, tmp_path):
    plant_risk("SRM-PV", [("2022-T1", 4, 4)], "KANARIEFÅGEL Sörmland")
    pdf = fetch_pdf(board, tmp_path, "NLL-RS", "2022-T2")
    text = " ".join(pages_text(pdf))
    assert "KANARIEFÅGEL" not in text
    assert "10 Hög 5 Medel 1 Låg | Totalt: 16" in text


def test_sormland_pdf_has_its_summary(coordinator_sormland, tmp_path):
    pdf = fetch_pdf(coordinator_sormland, tmp_path, "SRM-PV", "2024-T1")
    text = " ".join(pages_text(pdf))
    assert "1 Hög 3 Medel 1 Låg | Totalt: 5" in text
    assert "Region Sörmland" in text and page_count(pdf) <= HANDFUL


def test_pdf_renderer_fetches_nothing(app):
    from riskreg.boardpack.pdf import RefusedURL, _fetcher

    fetcher = _fetcher()
    for url in ("file:///etc/passwd", "http://127.0.0.1/static/css/app.css",
                "https://example.org/x.css"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_pdfs_are_limited_per_user_and_minute(app, board, coordinator, tmp_path, monkeypatch):
    """A PDF costs seconds of CPU: PACK_PDF_LIMIT per user (the next is 429)."""
    monkeypatch.setitem(app.config, "PACK_PDF_LIMIT", "1 per minute")
    url = f"/board/pack.pdf?unit={unit('NLL-LS1').id}&period=2022-T2&compare=none"
    assert board.get(url).status_code == 200
    assert board.get(url).status_code == 429
    assert coordinator.get(url).status_code == 200  # another user's own allowance


def test_sormland_pdf_has_the_internal_control_follow_up(coordinator_sormland, tmp_path):
    """2024-T2: Division Primärvård's plan, the spot check at each vårdcentral red (a
    serious deviation at Linden, followed up by a measure; Oxelösund not performed)."""
    pdf = fetch_pdf(coordinator_sormland, tmp_path, "SRM-PV", "2024-T2")
    text = " ".join(pages_text(pdf))
    part = text[text.index("5. Uppföljning av intern kontroll", text.index("Innehåll") + 40):]
    assert "Internkontrollplan 2024 Division Primärvård" in part
    assert "Stickprov på journalloggar (dataintrång)" in part
    assert "■ Röd" in part and "● Grön" in part  # symbol and word, not colour alone
    assert "5 av 6 förväntade kontroller gjorda" in part
    assert "Vårdcentralen Linden: LINLOGG-2408-0049 – Allvarlig → Åtgärd" in part
    assert "Vårdcentralen Oxelösund: Demodata: verksamhetschefen sjukskriven" in part
    assert page_count(pdf) <= HANDFUL
