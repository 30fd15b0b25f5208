"""Writing workbooks with XlsxWriter, in constant memory (rows go to disk as they are
written; nothing is kept per row).

Every cell is data, never a formula: strings are written with ``write_string`` (text that
begins with ``=``, ``+``, ``-``, ``@``, a tab or CR stays text) and the workbook is opened
with ``strings_to_formulas``, ``strings_to_urls`` and ``strings_to_numbers`` off, so that
nothing a user typed is ever interpreted. Each sheet has a frozen header row, an
autofilter, column widths and wrapped text, and prints on A4 landscape with the header row
repeated on every page, the title in the page header and page numbers in the footer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from typing import IO, Any

import xlsxwriter

from .layouts import Layout

WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "remove_timezone": True,
}
A4 = 9
PROGRESS_EVERY = 500
MAX_CELL = 32767  # Excel's limit on the characters of one cell


@dataclass(frozen=True)
class Properties:
    """The document properties (File › Properties) and the print header."""

    title: str
    organisation: str
    period: str
    author: str = "Riskreg"
    created: datetime | None = None


def open_workbook(target: str | IO[bytes], props: Properties, tmpdir: str | None = None):
    options = dict(WORKBOOK_OPTIONS)
    if tmpdir:
        options["tmpdir"] = tmpdir
    wb = xlsxwriter.Workbook(target, options)
    created = props.created or datetime.now(UTC)
    wb.set_properties({
        "title": props.title, "subject": f"{props.title} {props.period}",
        "author": props.author, "company": props.organisation,
        "keywords": f"Riskreg, {props.organisation}, {props.period}",
        "comments": f"{props.organisation} · {props.period}",
        "created": created.replace(tzinfo=None),
    })
    wb.set_custom_property("Organisation", props.organisation)
    wb.set_custom_property("Period", props.period)
    wb.set_custom_property("Created", created.replace(microsecond=0).isoformat())
    return wb


class Formats:
    def __init__(self, wb) -> None:
        self.header = wb.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                     "bg_color": "#dde4ee", "border": 1})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.plain = wb.add_format({"valign": "top"})
        self.title = wb.add_format({"bold": True, "font_size": 13})
        self.label = wb.add_format({"bold": True, "valign": "top"})
        self.percent = wb.add_format({"num_format": "0.0%", "valign": "top"})

    def cell(self, kind: str):
        """The format of a column's cells."""
        return self.wrap if kind == "text" else self.percent if kind == "percent" else self.plain


def _print_setup(ws, props: Properties, header_row: int = 0) -> None:
    ws.set_landscape()
    ws.set_paper(A4)
    ws.repeat_rows(header_row)
    ws.fit_to_pages(1, 0)  # as wide as one page, as long as it takes
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
    title = props.title.replace("&", "&&")
    org = f"{props.organisation} · {props.period}".replace("&", "&&")
    ws.set_header(f"&L{title}&R{org}")
    ws.set_footer("&LRiskreg &D&RSida &P av &N")


def write_cell(ws, row: int, col: int, value: Any, fmt) -> None:
    """One cell as data: strings are always strings (never a formula, URL or number)."""
    if value is None:
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value)[:MAX_CELL], fmt)


def write_preamble(ws, heading: str | None, facts: Sequence[tuple[str, Any]],
                   fmt: Formats) -> int:
    """A header block above a table: a heading, then one "label | value" row per fact and
    an empty row. Returns the row the table's header goes on."""
    row = 0
    if heading:
        ws.write_string(row, 0, heading[:MAX_CELL], fmt.title)
        row += 1
    for label, value in facts:
        ws.write_string(row, 0, label, fmt.label)
        write_cell(ws, row, 1, value, fmt.plain)
        row += 1
    return row + 1 if row else 0


def write_table(wb, layout: Layout, rows: Iterable[Any], props: Properties,
                progress: Callable[[int], None] | None = None, formats: Formats | None = None,
                heading: str | None = None, facts: Sequence[tuple[str, Any]] = ()) -> int:
    """The layout's sheet: a header block (``heading`` and ``facts``, when given), the
    header row, then one row per item. Returns the row count."""
    fmt = formats or Formats(wb)
    ws = wb.add_worksheet(layout.sheet[:31])
    columns = layout.columns
    for i, col in enumerate(columns):
        ws.set_column(i, i, col.width, fmt.wrap if col.wrap and col.kind == "text" else fmt.plain)
    top = write_preamble(ws, heading, facts, fmt)
    ws.set_row(top, row_height([(col.header, col.width) for col in columns]))
    for i, col in enumerate(columns):
        ws.write_string(top, i, col.header, fmt.header)
    ws.freeze_panes(top + 1, 0)
    _print_setup(ws, props, header_row=top)
    n = 0
    # per column: index, getter, display mapping, format (bound once: this is the loop
    # that runs rows × columns times)
    plan = [(i, attrgetter(c.key), c.show, fmt.cell(c.kind)) for i, c in enumerate(columns)]
    write_string, write_number, set_row = ws.write_string, ws.write_number, ws.set_row
    wrapped = [(attrgetter(c.key), per_line(c.width)) for c in columns
               if c.kind == "text" and c.wrap]
    row_info = getattr(ws, "row_info", {}) if wb.constant_memory else {}
    for n, item in enumerate(rows, start=1):
        r = n + top
        # wrapped text needs its row's height set: spreadsheet programs do not grow a row
        # to its text when they open a file (the written rows would overlap in print)
        lines = 1
        for get, fits in wrapped:
            value = get(item)
            if value.__class__ is str and (len(value) > fits or "\n" in value):
                lines = max(lines, text_lines(value, fits))
        if lines > 1:
            set_row(r, min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT))
        for i, get, show, cell_format in plan:
            value = get(item)
            if value is None:
                continue
            if show is not None:
                value = show(value)
            if value.__class__ is str:
                write_string(r, i, value[:MAX_CELL], cell_format)
            elif value.__class__ in (int, float):
                write_number(r, i, value, cell_format)
            else:
                write_cell(ws, r, i, value, cell_format)
        # constant memory: XlsxWriter keeps each row's height until the file is closed,
        # though the row itself is written out; the previous row is out by now
        row_info.pop(r - 1, None)
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n)
    ws.autofilter(top, 0, top + max(n, 1), len(columns) - 1)
    if progress is not None:
        progress(n)
    return n


LINE_HEIGHT = 15  # points per line of 11-point text
MAX_ROW_HEIGHT = 409  # Excel's limit


def per_line(width: float) -> int:
    """Characters of 11-point text that fit on one line of a column ``width`` wide."""
    return max(int(width * 1.2), 1)


def text_lines(text: str, fits: int) -> int:
    """Lines a wrapped text takes where ``fits`` characters fit on a line."""
    if "\n" not in text:
        return -(-len(text) // fits) or 1
    return sum(-(-len(part) // fits) or 1 for part in text.split("\n"))


def row_height(texts: list[tuple[str, float]]) -> float:
    """The height (points) a row needs for its wrapped texts, each in a column of the
    given width (in characters): the tallest text's lines, estimated from its length."""
    lines = max((text_lines(text, per_line(width)) for text, width in texts), default=1)
    return min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT)


def write_matrix(wb, matrix, props: Properties, summary: str,
                 formats: Formats | None = None) -> None:
    """The heat map as a table coloured like the page: likelihood from high to low (rows),
    consequence from low to high (columns), each cell its count on its band's colour and
    the band's name beside the count (colour is never the only signal), then the legend
    with every band's range, colour and count, the band summary (004's form) and the risk
    numbers per cell."""
    fmt = formats or Formats(wb)
    scale = matrix.scale
    ws = wb.add_worksheet("Riskmatris")
    ws.set_column(0, 0, 26)
    ws.set_column(1, scale.size, 16)
    _print_setup(ws, props, header_row=2)
    band_fmt = {b.name: wb.add_format({"bg_color": b.colour, "border": 1, "align": "center",
                                       "valign": "vcenter", "text_wrap": True,
                                       "font_color": _ink(b.colour)})
                for b in scale.bands}
    ws.write_string(0, 0, f"{props.title}: {matrix.unit.name}, {matrix.period}", fmt.title)
    ws.write_string(2, 0, "Sannolikhet \\ Konsekvens", fmt.header)
    for c in range(1, scale.size + 1):
        ws.write_string(2, c, f"{c} {scale.consequence_label(c)}", fmt.header)
    row = 3
    for cells in matrix.rows():
        lk = cells[0].likelihood
        ws.set_row(row, 36)
        ws.write_string(row, 0, f"{lk} {scale.likelihood_label(lk)}", fmt.header)
        for c, cell in enumerate(cells, start=1):
            ws.write_string(row, c, f"{cell.count}\n{cell.band.name}", band_fmt[cell.band.name])
        row += 1
    row += 1
    ws.write_string(row, 0, "Nivå", fmt.header)
    ws.write_string(row, 1, "Riskvärde", fmt.header)
    ws.write_string(row, 2, "Antal risker", fmt.header)
    row += 1
    for band, count in matrix.band_totals():
        ws.write_string(row, 0, band.name, band_fmt[band.name])
        ws.write_string(row, 1, f"{band.low}–{band.high}", fmt.plain)
        ws.write_number(row, 2, count, fmt.plain)
        row += 1
    row += 1
    ws.write_string(row, 0, summary, fmt.title)
    row += 2
    ws.write_string(row, 0, "Cell (S × K)", fmt.header)
    ws.write_string(row, 1, "Risknummer", fmt.header)
    row += 1
    for cells in matrix.rows():
        for cell in cells:
            if cell.count:
                ws.write_string(row, 0, f"{cell.likelihood} × {cell.consequence} = "
                                        f"{cell.value}", fmt.plain)
                ws.write_string(row, 1, ", ".join(str(n) for _i, n in cell.risks), fmt.wrap)
                row += 1


def _ink(colour: str) -> str:
    """Black or white text, whichever reads on ``colour`` (#rrggbb)."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#000000" if (0.299 * r + 0.587 * g + 0.114 * b) > 140 else "#ffffff"
