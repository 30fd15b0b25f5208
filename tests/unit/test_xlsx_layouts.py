"""The spreadsheet layouts as data and the pure helpers of the export and import (no
database): cells parsed back, headers matched (aliases, spacing, case), the missing named,
row heights from wrapped text, the formula probe."""

from __future__ import annotations

import pytest

from riskreg.reports.export import LINE_HEIGHT, MAX_ROW_HEIGHT, row_height
from riskreg.reports.importing import FORMULA
from riskreg.reports.layouts import (
    IMPORT_LAYOUTS,
    LAYOUTS,
    SUCCESS_FACTOR,
    UNIT,
    CellError,
    match_headers,
    parse_handling,
    parse_int,
    parse_text,
)


@pytest.mark.parametrize(("raw", "parsed"), [
    (None, None), ("", None), ("  ", None), (" text \r\n more ", "text \n more"), (7, "7"),
    (7.0, "7"), (2.5, "2.5"), ("=HYPERLINK(\"http://x\",\"y\")", "=HYPERLINK(\"http://x\",\"y\")"),
])
def test_text_cells(raw, parsed):
    assert parse_text(raw) == parsed


@pytest.mark.parametrize("raw", [True, "a\x00b", "\x1b[31m"])
def test_text_cells_refused(raw):
    with pytest.raises(CellError):
        parse_text(raw)


@pytest.mark.parametrize(("raw", "parsed"), [
    (None, None), ("", None), (3, 3), (3.0, 3), (" 12 ", 12), ("3", 3)])
def test_whole_numbers(raw, parsed):
    assert parse_int(raw) == parsed


@pytest.mark.parametrize("raw", [2.5, "3a", "1e3", True, "-1", "١٢"])
def test_whole_numbers_refused(raw):
    with pytest.raises(CellError):
        parse_int(raw)


def test_handling_type_both_ways():
    assert parse_handling("Kontroll") == "control"
    assert parse_handling("åtgärd") == "measure"
    assert parse_handling(None) is None
    with pytest.raises(CellError):
        parse_handling("Kanske")
    assert UNIT.column("handling_type").show("control") == "Kontroll"


def test_headers_match_by_source_text_or_alias_whatever_the_spacing_and_case():
    found = ["NR", "Framgångsfaktor", "Vad  kan hända", "Konsekvens text", "Orsak",
             "vad behöver göras", "KONTROLLMETOD"]
    where, missing = match_headers(SUCCESS_FACTOR, found)
    assert missing == []
    assert where["event"] == 2 and where["control_method"] == 6


def test_missing_headers_are_named_and_optional_ones_are_not():
    _where, missing = match_headers(SUCCESS_FACTOR, ["Nr", "Framgångsfaktor"])
    assert "Beskriv orsaken till att risken inträffar" in missing
    assert "Sannolikhet" not in missing and "Titel" not in missing and "Risk" not in missing


def test_every_layout_is_well_formed():
    assert set(IMPORT_LAYOUTS) == {"success_factor", "unit", "measures"}
    for layout in LAYOUTS.values():
        assert len(layout.sheet) <= 31
        keys = [c.key for c in layout.columns]
        assert len(keys) == len(set(keys)), layout.name
        if layout.importable:
            assert layout.key in keys


def test_row_height_grows_with_wrapped_text_and_is_capped():
    assert row_height([]) == LINE_HEIGHT
    assert row_height([("kort", 20)]) == LINE_HEIGHT
    assert row_height([("x" * 48, 20)]) == 2 * LINE_HEIGHT
    assert row_height([("a\nb\nc", 40)]) == 3 * LINE_HEIGHT
    assert row_height([("x" * 100_000, 10)]) == MAX_ROW_HEIGHT


def test_the_formula_probe():
    assert FORMULA.search(b'<c r="A1"><f>1+1</f><v>2</v></c>')
    assert FORMULA.search(b'<x:c><x:f t="shared" ref="A1:A3" si="0"/></x:c>')
    assert not FORMULA.search(b'<c t="inlineStr"><is><t>=1+1 &lt;f&gt;</t></is></c>')
    assert not FORMULA.search(b"<cols><col/></cols><sheetFormatPr/>")
