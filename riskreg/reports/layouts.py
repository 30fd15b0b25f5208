"""The spreadsheet layouts as data: one definition per sheet, read by the export (header,
width, how to read a value from a row) and by the import (which field a column fills and
how its cell is parsed back). The headers are the source documents' own (Swedish, as the
regions print them), so they are not translated.

* ``SUCCESS_FACTOR``: 001 Bilaga 5 (Regionstyrelsens riskbedömning av framgångsfaktorer).
* ``UNIT``: 004's "Internkontroll med risker" (Risk · Riskvärde · Hantering av risk · Typ
  av hantering · Metod för riskhantering).
* ``REGISTER``: the register page's columns (export only).
* ``MEASURES``: 000's "Uppföljning av divisionens strategiska åtgärder".
* ``KPIS``: 000's Måluppfyllelse tables / 001 Bilaga 1 (export only).
* ``CONTROL_PLAN``: the internal-control plan (004's "Internkontrollplan"), below a header
  block with the plan's unit, year, state and decision (export only).
* ``CONTROL_FOLLOW_UP``: the plan's follow-up for a period, one row per control and unit
  (the board's report page, export only).
* ``CONTROL_SAMPLE`` and ``CONTROL_POPULATION``: a spot check's drawn items with their
  results, and the whole population with each item's SHA-256 key, below a header block
  with the seed and the algorithm, so that an auditor can draw again (export only).

A few columns beyond the sources are needed for a round trip and say so in ``note``: the
risk number in 004's table (the key of an import), the short title the app gives every
risk, and 004's likelihood and consequence (004 prints only the value, which does not tell
the two apart: 4 is 1 × 4, 2 × 2 or 4 × 1).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..domain.matrix import N_
from ..textguard import FORBIDDEN


class CellError(ValueError):
    """A cell that cannot be read as its column's kind (the message is shown)."""


# -- parsing cells back ---------------------------------------------------------------
def parse_text(value: Any) -> str | None:
    """Text as stored: trimmed, empty = None; numbers as written (7, not 7.0)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(N_("Expected text."))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, str | int | float):
        raise CellError(N_("Expected text."))
    text = str(value).replace("\r\n", "\n").strip()
    if FORBIDDEN.search(text):
        raise CellError(N_("Control characters are not allowed."))
    return text or None


def parse_int(value: Any) -> int | None:
    """A whole number (a spreadsheet may store 3 as 3.0 or as the text "3")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellError(N_("Expected a whole number."))
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(N_("Expected a whole number."))
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,9}\s*", value):
        return int(value)
    raise CellError(N_("Expected a whole number."))


HANDLING = {"control": "Kontroll", "measure": "Åtgärd"}
HANDLING_BACK = {v.casefold(): k for k, v in HANDLING.items()} | {
    "atgard": "measure", "control": "control", "measure": "measure"}


def parse_handling(value: Any) -> str | None:
    text = parse_text(value)
    if text is None:
        return None
    found = HANDLING_BACK.get(text.casefold())
    if found is None:
        raise CellError(N_("Expected Kontroll or Åtgärd."))
    return found


# -- columns and layouts ------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    key: str  # the row attribute the export reads and the field the import fills
    header: str  # as the source document prints it
    width: float = 14
    kind: str = "text"  # text | int | percent (a fraction shown as "6,0 %")
    parse: Callable[[Any], Any] | None = None  # None: not read back (derived or shown only)
    required: bool = True  # an import needs the header (when it is read back at all)
    aliases: tuple[str, ...] = ()  # other headers accepted on import
    wrap: bool = True
    note: str = ""  # why a column is not the source's
    show: Callable[[Any], Any] | None = None  # stored value → cell (default: as it is)

    def value(self, row: Any) -> Any:
        value = getattr(row, self.key)
        return self.show(value) if self.show is not None and value is not None else value

    @property
    def imported(self) -> bool:
        return self.parse is not None


@dataclass(frozen=True)
class Layout:
    name: str
    sheet: str  # the worksheet's name (at most 31 characters)
    title: str  # the document title (properties, the first line of a print)
    columns: tuple[Column, ...]
    key: str | None = None  # the column that identifies a row on import
    importable: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def normal(header: Any) -> str:
    """A header as compared on import: case, spacing and punctuation do not matter."""
    text = str(header or "").casefold().replace("–", "-")
    return " ".join(re.sub(r"[^\w\s-]", " ", text).split())


def match_headers(layout: Layout, found: list[Any]) -> tuple[dict[str, int], list[str]]:
    """(column key → index in the sheet, the missing required headers)."""
    positions = {normal(h): i for i, h in enumerate(found) if h is not None}
    where: dict[str, int] = {}
    missing: list[str] = []
    for col in layout.columns:  # shown-only columns are read too (e.g. Risk = K × S)
        for name in (col.header, *col.aliases):
            if normal(name) in positions:
                where[col.key] = positions[normal(name)]
                break
        else:
            if col.required and (col.imported or col.key == layout.key):
                missing.append(col.header)
    return where, missing


NR = Column("number", "Nr", 6, "int", parse_int, required=False)
TITLE = Column("title", "Titel", 20, parse=parse_text, required=False,
               note="The app's short title of the risk (not a column of the source).")
LIKELIHOOD = Column("likelihood", "Sannolikhet", 11, "int", parse_int, required=False)
CONSEQUENCE = Column("consequence", "Konsekvens", 11, "int", parse_int, required=False)

SUCCESS_FACTOR = Layout(
    "success_factor", "Riskbedömning", "Riskbedömning av framgångsfaktorer",
    (
        NR,
        Column("perspective_goal", "Perspektiv och strategiskt målområde för riskbedömning",
               16, required=False),
        Column("factor", "Framgångsfaktor (Förväntad/önskad funktion eller resultat)", 18,
               parse=parse_text, aliases=("Framgångsfaktor",)),
        Column("event", "Vad kan hända som innebär att förväntad/önskad funktion eller "
               "resultat inte uppfylls?", 30, parse=parse_text, aliases=("Vad kan hända",)),
        Column("consequence_text", "Vad blir det för konsekvens om risken inträffar?", 24,
               parse=parse_text, aliases=("Konsekvens text",)),
        CONSEQUENCE,
        LIKELIHOOD,
        Column("value", "Risk", 7, "int", required=False),
        Column("cause", "Beskriv orsaken till att risken inträffar", 24, parse=parse_text,
               aliases=("Orsak",)),
        Column("mitigation", "Vad behöver göras för att risken inte ska inträffa?", 28,
               parse=parse_text, aliases=("Vad behöver göras",)),
        Column("control_method", "Kontrollmetod - Hur kontrolleras att åtgärden genomförs?",
               20, parse=parse_text, aliases=("Kontrollmetod",)),
        Column("mark", "Måluppfyllelse", 15, required=False),
        TITLE,
    ),
    key="number", importable=True,
    notes=("Risk = Konsekvens × Sannolikhet; Måluppfyllelse is the mark of the period.",),
)

UNIT = Layout(
    "unit", "Internkontroll med risker", "Internkontroll med risker",
    (
        Column("number", "Nr", 6, "int", parse_int, required=False,
               note="The risk's number (004 prints none): the key of an import."),
        Column("event", "Risk", 40, parse=parse_text),
        Column("value", "Riskvärde", 10, "int", required=False),
        Column("handling_question", "Hantering av risk", 40, parse=parse_text),
        Column("handling_type", "Typ av hantering", 14, parse=parse_handling,
               show=lambda v: HANDLING.get(v, v)),
        Column("method", "Metod för riskhantering", 40, parse=parse_text,
               aliases=("Metod",)),
        Column("likelihood", "Sannolikhet", 11, "int", parse_int, required=False,
               note="004 prints only the value."),
        Column("consequence", "Konsekvens", 11, "int", parse_int, required=False,
               note="004 prints only the value."),
        TITLE,
    ),
    key="number", importable=True,
)

REGISTER = Layout(
    "register", "Riskregister", "Riskregister",
    (
        Column("number", "Nr", 6, "int"),
        Column("title", "Titel", 30),
        Column("kind_label", "Typ", 16),
        Column("unit_name", "Enhet", 22),
        Column("owner_name", "Riskägare", 20),
        Column("perspective", "Perspektiv", 16),
        Column("factor", "Framgångsfaktor", 24),
        Column("event", "Vad kan hända (risken)", 40),
        Column("likelihood", "Sannolikhet", 11, "int"),
        Column("consequence", "Konsekvens", 11, "int"),
        Column("value", "Riskvärde", 10, "int"),
        Column("band", "Nivå", 11),
        Column("assessed_in", "Bedömd period", 12),
    ),
)

MEASURES = Layout(
    "measures", "Åtgärder", "Uppföljning av strategiska åtgärder",
    (
        Column("number", "Nr", 6, "int", parse_int, required=False),
        Column("goal", "Mål", 30, parse=parse_text),
        Column("title", "Åtgärd", 40, parse=parse_text),
        Column("status", "Status", 10, parse=parse_text),
        Column("comment", "Kommentar", 40, parse=parse_text),
        Column("perspective", "Perspektiv", 16, required=False,
               note="000 prints it as a heading above each group."),
    ),
    key="number", importable=True,
)

KPIS = Layout(
    "kpis", "Styrmått", "Måluppfyllelse",
    (
        Column("perspective", "Perspektiv", 16),
        Column("goal", "Strategiskt mål", 24),
        Column("factor", "Framgångsfaktor", 24),
        Column("name", "Styrmått", 36),
        Column("kind_label", "Typ", 12),
        Column("target", "Mål", 16),
        Column("follow_up", "Uppföljningsperiod", 14),
        Column("total", "Periodens utfall", 12),
        Column("women", "Utfall K", 10),
        Column("men", "Utfall M", 10),
        Column("fulfilment", "Måluppfyllelse", 14),
        Column("trend", "Utveckling", 10),
    ),
)

CONTROL_PLAN = Layout(
    "control_plan", "Internkontrollplan", "Internkontrollplan",
    (
        Column("number", "Nr", 6, "int"),
        Column("title", "Kontroll", 36),
        Column("risks", "Risk(er)", 30),
        Column("method", "Metod", 30),
        Column("frequency", "Frekvens", 14),
        Column("responsible", "Ansvarig", 20),
        Column("units", "Enheter", 26),
        Column("sample_size", "Stickprovsstorlek", 12, "int"),
    ),
)

CONTROL_FOLLOW_UP = Layout(
    "control_follow_up", "Uppföljning", "Uppföljning av internkontroll",
    (
        Column("number", "Nr", 6, "int"),
        Column("title", "Kontroll", 30),
        Column("unit_name", "Enhet", 22),
        Column("runs", "Genomförda kontroller", 12, "int"),
        Column("population_size", "Populationens storlek", 12, "int"),
        Column("sample_size", "Stickprovets storlek", 12, "int"),
        Column("deviations", "Avvikelser", 11, "int"),
        Column("rate", "Avvikelsegrad", 11, "percent"),
        Column("severity", "Allvarlighet", 13),
        Column("conclusion", "Slutsats", 18),
        Column("light", "Trafikljus", 12),
        Column("measures", "Uppföljande åtgärder", 32),
        Column("not_performed", "Ej utförd – varför", 32),
    ),
    notes=("Trafikljus: the report page's rule, applied to the control's runs on the unit.",),
)

CONTROL_SAMPLE = Layout(
    "control_sample", "Stickprov", "Stickprov",
    (
        Column("position", "Position", 9, "int",
               note="The place in the draw, 1 = drawn first."),
        Column("index", "Index i populationen", 12, "int",
               note="Counted from 0, as the algorithm numbers the items."),
        Column("value", "Post", 30),
        Column("result", "Resultat", 16),
        Column("severity", "Allvarlighet", 13),
        Column("note", "Notering", 40),
    ),
)

CONTROL_POPULATION = Layout(
    "control_population", "Population", "Population",
    (
        Column("index", "Index i populationen", 12, "int"),
        Column("value", "Post", 30),
        Column("key", "Nyckel (SHA-256)", 30, wrap=False),
        Column("position", "Position i urvalet", 12, "int"),
    ),
)

LAYOUTS = {layout.name: layout for layout in (
    SUCCESS_FACTOR, UNIT, REGISTER, MEASURES, KPIS, CONTROL_PLAN, CONTROL_FOLLOW_UP,
    CONTROL_SAMPLE, CONTROL_POPULATION)}
IMPORT_LAYOUTS = tuple(name for name, layout in LAYOUTS.items() if layout.importable)
