"""Importing a workbook in one of the importable layouts (layouts.py) into a unit and plan.

1. ``check_file`` refuses a hostile or broken file before openpyxl sees it, from the zip
   directory alone: not a zip, too large, a zip bomb (unpacked size and ratio caps; the
   zip module never unpacks more than an entry declares), macros (vbaProject.bin, a
   macro-enabled content type, .xlsm), external links, no workbook part.
2. ``read_rows`` reads the sheet with openpyxl in read-only mode (defusedxml is installed,
   so openpyxl parses the XML with it): finds the header row, says which headers are
   missing, refuses formulas (their cached values are not trusted) and more rows than the
   cap, and parses each cell by its column's rule.
3. ``plan_risks`` / ``plan_measures`` compare every row with what is stored: new, changed
   (old → new per column), unchanged, or an error with its reason. Nothing is written.
4. ``apply`` writes the plan through the features' own services (their permission rules,
   validation and audit events) and records the import as one audit event with its rows.
   The request's unit of work commits everything or nothing.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import audit
from ..config import IMPORT_MAX_BYTES
from ..domain.periods import Period
from ..extensions import db
from ..measures import scale as status_scale
from ..measures import services as measure_services
from ..measures.permissions import can_manage_measures_in
from ..models.measures import Measure, MeasureFollowUp
from ..models.org import Unit
from ..models.plan import Perspective, Plan, StrategicGoal, SuccessFactor
from ..models.risks import Risk, RiskAssessment
from ..models.users import User
from ..risks import services as risk_services
from ..risks.latest import Counted, latest_code
from ..risks.permissions import can_be_owner, can_manage_risks_in
from ..risks.texts import TITLE_MAX, RiskTexts, short_title
from ..scales import scale_for_unit
from ..services import ServiceError
from .layouts import LAYOUTS, CellError, Layout, match_headers, normal

MAX_UPLOAD = IMPORT_MAX_BYTES  # bytes of the uploaded file
MAX_UNPACKED = 200 * 1024 * 1024  # bytes of all parts unpacked
MAX_RATIO = 200  # unpacked / packed, for a part above RATIO_FROM bytes
RATIO_FROM = 1024 * 1024
MAX_PARTS = 1000
MAX_ROWS = 50_000  # data rows of a sheet
HEADER_SCAN = 10  # rows searched for the header row
MAX_TEXT = 4000
MAX_SHOWN = 5  # cells named in a refusal
PROGRESS_EVERY = 500  # rows between two progress reports


class ImportRefused(ValueError):
    """The file is refused as a whole; nothing is read or saved. The message is shown."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.code = code  # not_xlsx | too_large | zip_bomb | macros | external_links |
        # formulas | too_many_rows | headers | unreadable | target


# -- 1. the file -----------------------------------------------------------------------------
def check_file(data: bytes, filename: str = "") -> None:
    name = (filename or "").lower()
    if len(data) > MAX_UPLOAD:
        raise ImportRefused(
            _("The file is larger than %(n)d MB.", n=MAX_UPLOAD // 2**20),
            "too_large")
    if name.endswith((".xlsm", ".xltm", ".xlsb", ".xlam")):
        raise ImportRefused(
            _("Workbooks with macros are not accepted: save it as .xlsx."),
            "macros")
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise ImportRefused(_("This is an old Excel file (.xls): save it as .xlsx."), "not_xlsx")
    if data[:4] != b"PK\x03\x04" or not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportRefused(_("This is not an Excel workbook (.xlsx)."), "not_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            content_types = (zf.read("[Content_Types].xml")
                             if "[Content_Types].xml" in zf.namelist() else b"")
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError) as exc:
        raise ImportRefused(_("This is not an Excel workbook (.xlsx)."), "not_xlsx") from exc
    if len(infos) > MAX_PARTS:
        raise ImportRefused(_("The file has too many parts to be a workbook."), "zip_bomb")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED:
        raise ImportRefused(_("The file unpacks to more than %(n)d MB: refused as a zip "
                              "bomb.", n=MAX_UNPACKED // 2**20), "zip_bomb")
    for i in infos:
        if i.file_size > RATIO_FROM and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise ImportRefused(_("A part of the file unpacks to more than %(n)d times its "
                                  "size: refused as a zip bomb.", n=MAX_RATIO), "zip_bomb")
    names = {i.filename.lower() for i in infos}
    if any(n.endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
        raise ImportRefused(
            _("Workbooks with macros are not accepted: save it as .xlsx."),
            "macros")
    if any(n.startswith("xl/externallinks/") for n in names):
        raise ImportRefused(_("The workbook links to other files (external links): copy "
                              "the values in and save it again."), "external_links")
    if "xl/workbook.xml" not in names or not content_types:
        raise ImportRefused(_("This is not an Excel workbook (.xlsx)."), "not_xlsx")


# -- 2. the sheet ----------------------------------------------------------------------------
@dataclass
class SheetRow:
    line: int  # the spreadsheet's row number
    values: dict[str, Any]  # column key → parsed value (absent: the column is not there)
    errors: list[str] = field(default_factory=list)


def _sheet(wb, layout: Layout):
    for ws in wb.worksheets:
        if ws.title == layout.sheet:
            return ws
    return wb.worksheets[0] if wb.worksheets else None


def _open(data: bytes):
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                             keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken part
        raise ImportRefused(
            _("The workbook could not be read: %(why)s", why=type(exc).__name__),
            "unreadable") from exc


def estimate_rows(data: bytes, layout: Layout) -> int:
    """The sheet's row count as its dimension declares it (cheap; 0 when unknown)."""
    wb = _open(data)
    try:
        ws = _sheet(wb, layout)
        return max((ws.max_row or 1) - 1, 0) if ws is not None else 0
    finally:
        wb.close()


def read_rows(data: bytes, layout: Layout, max_rows: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> list[SheetRow]:
    """The sheet's data rows, parsed (a file refused as a whole raises ImportRefused);
    ``progress(rows read, rows declared)`` every PROGRESS_EVERY rows."""
    max_rows = max_rows or MAX_ROWS
    wb = _open(data)
    try:
        ws = _sheet(wb, layout)
        if ws is None:
            raise ImportRefused(_("The workbook has no sheet."), "unreadable")
        total = max((ws.max_row or 1) - 1, 0)
        # Cells are read as plain values (openpyxl's fastest way) unless a sheet of the
        # file holds a formula at all: then as cells, to name the formulas' cells.
        return _read(ws, layout, max_rows,
                     (lambda n: progress(n, total)) if progress is not None else None,
                     values_only=not _has_formulas(data))
    except ImportRefused:
        raise
    except Exception as exc:  # a part that breaks while it is read (bad XML, bad values)
        raise ImportRefused(
            _("The workbook could not be read: %(why)s", why=type(exc).__name__),
            "unreadable") from exc
    finally:
        wb.close()


FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")  # a formula element (text has < escaped)


def _has_formulas(data: bytes) -> bool:
    """Does any worksheet part of the (already checked) file hold a formula element?"""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                with zf.open(info) as part:
                    tail = b""
                    while chunk := part.read(1 << 20):
                        if FORMULA.search(tail + chunk):
                            return True
                        tail = chunk[-16:]
    return False


def _read(ws, layout: Layout, max_rows: int,
          progress: Callable[[int], None] | None = None, values_only: bool = False
          ) -> list[SheetRow]:
    rows = ws.iter_rows(values_only=values_only)
    best: tuple[int, dict, list, int] | None = None
    scanned = []
    for _i in range(HEADER_SCAN):
        try:
            cells = next(rows)
        except StopIteration:
            break
        scanned.append(cells)
        where, missing = match_headers(
            layout, list(cells) if values_only else [getattr(c, "value", None) for c in cells])
        line = len(scanned)
        if best is None or len(where) > len(best[1]):
            best = (len(scanned), where, missing, line)
        if not missing and where:
            break
    if best is None or not best[1]:
        raise ImportRefused(_("No header row of the layout “%(layout)s” was found. "
                              "Missing: %(missing)s", layout=layout.title,
                              missing=", ".join(match_headers(layout, [])[1])), "headers")
    header_at, where, missing, _line = best
    if missing:
        raise ImportRefused(_("The sheet lacks these columns: %(missing)s",
                              missing=", ".join(missing)), "headers")
    columns = [(layout.column(key), index) for key, index in where.items()]
    pending = iter(scanned[header_at:])
    out: list[SheetRow] = []
    formulas: list[str] = []
    count = 0
    line = header_at
    for cells in _chain(pending, rows):
        line += 1
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
        if count > max_rows:
            raise ImportRefused(
                _("The sheet has more than %(n)d rows.", n=max_rows),
                "too_many_rows")
        raw: dict[str, Any] = {}
        if values_only:
            width = len(cells)
            for col, index in columns:
                if index < width:
                    raw[col.key] = cells[index]
            cells = ()
        for col, index in columns:
            cell = cells[index] if index < len(cells) else None
            if cell is None:
                continue
            if getattr(cell, "data_type", None) == "f":
                if len(formulas) < MAX_SHOWN:
                    formulas.append(f"{get_column_letter(index + 1)}{line}")
                continue
            raw[col.key] = cell.value
        if formulas:
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw.values()):
            continue  # an empty row
        row = SheetRow(line, {})
        for col, _index in columns:
            value = raw.get(col.key)
            if not col.imported and col.key != layout.key:
                parser = _derived_parser(col)
            else:
                parser = col.parse
            try:
                row.values[col.key] = parser(value) if parser else value
            except CellError as exc:
                row.errors.append(f"{col.header}: {_(str(exc))}")
        if _heading(row, layout):
            continue
        out.append(row)
    if formulas:
        raise ImportRefused(_("Cells hold formulas where values are expected (their "
                              "computed values are not trusted): %(cells)s. Paste them as "
                              "values.", cells=", ".join(formulas)), "formulas")
    return out


def _chain(*iterators):
    for it in iterators:
        yield from it


def _derived_parser(col):
    from .layouts import parse_int, parse_text

    return parse_int if col.kind == "int" else parse_text


def _heading(row: SheetRow, layout: Layout) -> bool:
    """A group heading of the source (e.g. "Samhälle" alone in the Nr column)."""
    if not row.errors or layout.key is None:
        return False
    others = [v for k, v in row.values.items() if k != layout.key]
    return all(v is None for v in others) and len(row.errors) == 1


# -- 3. the plan -----------------------------------------------------------------------------
@dataclass
class RowPlan:
    line: int
    number: int | None
    status: str  # new | changed | unchanged | error
    label: str = ""
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)  # header, old, new
    errors: list[str] = field(default_factory=list)
    target: Any = None  # the stored object (changed/unchanged)
    values: dict[str, Any] = field(default_factory=dict)


def _row_plan(row, title: str | None, seen: set[int]) -> RowPlan:
    """A row's plan, an error until proven otherwise, with the checks of its number (1 or
    more, once in the file); ``seen`` collects the numbers read so far."""
    number = row.values.get("number")
    p = RowPlan(row.line, number, "error", _label(title), errors=list(row.errors),
                values=row.values)
    if number is not None:
        if number < 1:
            p.errors.append(_("Nr must be 1 or more."))
        elif number in seen:
            p.errors.append(_("Nr %(n)d appears twice in the file.", n=number))
        seen.add(number)
    return p


@dataclass
class ImportPlan:
    layout: str
    rows: list[RowPlan]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def ok(self) -> bool:
        return not any(r.status == "error" for r in self.rows)

    @property
    def writes(self) -> int:
        return sum(1 for r in self.rows if r.status in ("new", "changed"))

    def to_json(self) -> dict:
        """What the preview shows, to keep between requests (a large file's preview is
        made in the background)."""
        return {"layout": self.layout, "rows": [
            {"line": r.line, "number": r.number, "status": r.status, "label": r.label,
             "changes": [[h, _plain(o), _plain(n)] for h, o, n in r.changes],
             "errors": r.errors} for r in self.rows]}

    @classmethod
    def from_json(cls, data: dict) -> ImportPlan:
        return cls(data["layout"], [
            RowPlan(r["line"], r["number"], r["status"], r["label"],
                    [tuple(c) for c in r["changes"]], r["errors"]) for r in data["rows"]])


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float) else str(value)


@dataclass(frozen=True)
class Target:
    """Where the rows go: a unit, a plan of it (or above), the period of the values, and
    the owner of new risks."""

    unit: Unit
    plan: Plan
    period: Period
    owner_id: int | None = None


RISK_TEXTS = ("event", "consequence_text", "cause", "mitigation", "control_method",
              "handling_question", "handling_type", "method")


def _in_subtree(unit: Unit, obj_unit: Unit) -> bool:
    return obj_unit.path.startswith(unit.path)


def _factors(plan: Plan) -> dict[str, SuccessFactor]:
    factors = db.session.scalars(
        select(SuccessFactor).join(StrategicGoal, StrategicGoal.id == SuccessFactor.goal_id)
        .join(Perspective, Perspective.id == StrategicGoal.perspective_id)
        .where(Perspective.plan_id == plan.id).order_by(SuccessFactor.retired, SuccessFactor.id))
    found: dict[str, SuccessFactor] = {}
    for f in factors:
        found.setdefault(normal(f.name), f)
    return found


def _chunks(values: list, size: int = 5000):
    """``values`` in slices (a statement's IN list stays within the databases' limits)."""
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _memo(rule):
    """A permission rule over units, asked once per unit (an import has thousands of rows
    on a few units)."""
    seen: dict[int, bool] = {}

    def ask(unit: Unit) -> bool:
        if unit.id not in seen:
            seen[unit.id] = rule(unit)
        return seen[unit.id]
    return ask


def _label(text: str | None, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass(frozen=True)
class UnitRef:
    """What a permission rule reads of a unit (its id and path), from a plain row."""

    id: int
    path: str
    name: str


@dataclass
class StoredRisk:
    """A stored risk as the preview compares it (a plain row: an import of thousands of
    rows builds no ORM object until it saves)."""

    id: int
    number: int
    kind: str
    archived_at: Any
    title: str
    event: str
    consequence_text: str | None
    cause: str | None
    mitigation: str | None
    control_method: str | None
    handling_question: str | None
    handling_type: str | None
    method: str | None
    success_factor_id: int | None
    factor_name: str | None
    unit_id: int
    unit_path: str
    unit_name: str

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def unit(self) -> UnitRef:
        return UnitRef(self.unit_id, self.unit_path, self.unit_name)


STORED_COLUMNS = (Risk.id, Risk.number, Risk.kind, Risk.archived_at, Risk.title, Risk.event,
                  Risk.consequence_text, Risk.cause, Risk.mitigation, Risk.control_method,
                  Risk.handling_question, Risk.handling_type, Risk.method,
                  Risk.success_factor_id, SuccessFactor.name, Unit.id, Unit.path, Unit.name)


def plan_risks(user: User, target: Target, layout: Layout, rows: list[SheetRow]) -> ImportPlan:
    kind = layout.name
    stored: dict[int, StoredRisk] = {}
    counted: dict[int, Counted | None] = {}  # risk id → the assessment counting in the period
    numbers = sorted({n for r in rows if isinstance(n := r.values.get("number"), int)})
    for chunk in _chunks(numbers):  # only the risks the file names, as plain rows
        for values in db.session.execute(
                select(*STORED_COLUMNS, latest_code(target.period))
                .join(Unit, Unit.id == Risk.unit_id)
                .outerjoin(SuccessFactor, SuccessFactor.id == Risk.success_factor_id)
                .where(Risk.plan_id == target.plan.id, Risk.number.in_(chunk))):
            r = StoredRisk(*values[:-1])
            stored[r.number] = r
            counted[r.id] = Counted.from_code(values[-1])
    factors = _factors(target.plan) if kind == "success_factor" else {}
    scale = scale_for_unit(target.unit)
    owner_ok = (target.owner_id is not None and (owner := db.session.get(User, target.owner_id))
                is not None and can_be_owner(owner, target.unit))
    manages = _memo(lambda unit: can_manage_risks_in(user, unit))
    seen: set[int] = set()
    plans = []
    for row in rows:
        v = row.values
        number = v.get("number")
        p = _row_plan(row, v.get("title") or v.get("event"), seen)
        plans.append(p)
        risk = stored.get(number) if number is not None else None
        if risk is not None:
            p.target = risk
            if risk.kind != kind:
                p.errors.append(_("Nr %(n)d is a risk of the other kind.", n=number))
            elif risk.archived:
                p.errors.append(_("Nr %(n)d is archived.", n=number))
            elif not _in_subtree(target.unit, risk.unit) or not manages(risk.unit):
                p.errors.append(_("Nr %(n)d belongs to a unit you do not manage here (%(unit)s).",
                                  n=number, unit=risk.unit.name))
        elif not owner_ok:
            p.errors.append(_("Choose a risk owner of the unit for new risks."))
        for key in (*RISK_TEXTS, "title"):
            text = v.get(key)
            limit = TITLE_MAX if key == "title" else MAX_TEXT
            if isinstance(text, str) and len(text) > limit:
                p.errors.append(_("%(col)s: at most %(n)d characters.",
                                  col=layout.column(key).header, n=limit))
        if not v.get("event"):
            p.errors.append(_("%(col)s: required.", col=layout.column("event").header))
        factor = None
        if kind == "success_factor":
            name = v.get("factor")
            factor = factors.get(normal(name)) if name else None
            if not name:
                p.errors.append(_("%(col)s: required.", col=layout.column("factor").header))
            elif factor is None:
                p.errors.append(_("Unknown success factor in this plan: %(name)s", name=name))
        now = counted.get(risk.id) if risk is not None else None
        steps = _steps(p, v, scale, layout, now)
        if p.errors:
            continue
        _risk_changes(p, layout, risk, factor, steps, now)
    return ImportPlan(layout.name, plans)


def _steps(p: RowPlan, v: dict, scale, layout: Layout, counted: Counted | None
           ) -> tuple[int, int] | None:
    """(likelihood, consequence) of the row, or None; ``counted``: what counts now."""
    lk, c = v.get("likelihood"), v.get("consequence")
    value = v.get("value")
    if lk is None and c is None:
        if value is not None and (counted is None or counted.value != value):
            p.errors.append(_("Give Sannolikhet and Konsekvens for the risk value."))
        return None
    if lk is None or c is None:
        p.errors.append(_("Give both Sannolikhet and Konsekvens, or neither."))
        return None
    for step, header in ((lk, "Sannolikhet"), (c, "Konsekvens")):
        if not 1 <= step <= scale.size:
            p.errors.append(_("%(col)s: a value from 1 to %(n)d.", col=header, n=scale.size))
            return None
    stale = counted is not None and counted.value == value  # the exported value, not edited
    if value is not None and value != lk * c and not stale:
        p.errors.append(_("%(col)s %(value)d is not Sannolikhet × Konsekvens = %(product)d.",
                          col=layout.column("value").header, value=value, product=lk * c))
        return None
    return lk, c


def _risk_changes(p: RowPlan, layout: Layout, risk: Risk | None, factor, steps,
                  counted: Counted | None):
    v = p.values
    if risk is None:
        p.status = "new"
        for key in ("title", "factor", *RISK_TEXTS):
            if v.get(key) is not None:
                p.changes.append((layout.column(key).header, None, v[key]))
        if steps:
            p.changes += [("Sannolikhet", None, steps[0]), ("Konsekvens", None, steps[1])]
        return
    for key in RISK_TEXTS:
        if key in v and v[key] != getattr(risk, key):
            p.changes.append((layout.column(key).header, getattr(risk, key), v[key]))
    if v.get("title") and v["title"] != risk.title:
        p.changes.append(("Titel", risk.title, v["title"]))
    if factor is not None and factor.id != risk.success_factor_id:
        old = risk.factor_name
        p.changes.append((layout.column("factor").header, old, factor.name))
    if steps:
        old = (counted.likelihood, counted.consequence) if counted else (None, None)
        if old != steps:
            for name, before, after in zip(("Sannolikhet", "Konsekvens"), old, steps,
                                           strict=True):
                if before != after:
                    p.changes.append((name, before, after))
    p.status = "changed" if p.changes else "unchanged"


def plan_measures(user: User, target: Target, layout: Layout, rows: list[SheetRow]
                  ) -> ImportPlan:
    numbers = sorted({n for r in rows if isinstance(n := r.values.get("number"), int)})
    stored: dict[int, Measure] = {}
    follow: dict[int, MeasureFollowUp] = {}
    for chunk in _chunks(numbers):  # only the measures the file names
        found = {m.number: m for m in db.session.scalars(
            select(Measure).where(Measure.plan_id == target.plan.id, Measure.number.in_(chunk))
            .options(joinedload(Measure.unit), joinedload(Measure.success_factor)))}
        stored.update(found)
        if found:
            follow.update({f.measure_id: f for f in db.session.scalars(
                select(MeasureFollowUp).where(
                    MeasureFollowUp.measure_id.in_([m.id for m in found.values()]),
                    MeasureFollowUp.period == target.period)
                .options(joinedload(MeasureFollowUp.status)))})
    statuses = status_scale.statuses_for_root(target.unit.root_id)
    factors = _factors(target.plan)
    manages = _memo(lambda unit: can_manage_measures_in(user, unit))
    seen: set[int] = set()
    plans = []
    for row in rows:
        v = row.values
        number = v.get("number")
        p = _row_plan(row, v.get("title"), seen)
        plans.append(p)
        m = stored.get(number) if number is not None else None
        if m is not None:
            p.target = m
            if not m.active:
                p.errors.append(_("Nr %(n)d is closed.", n=number))
            elif not _in_subtree(target.unit, m.unit) or not manages(m.unit):
                p.errors.append(_("Nr %(n)d belongs to a unit you do not manage here (%(unit)s).",
                                  n=number, unit=m.unit.name))
        if not v.get("title"):
            p.errors.append(_("%(col)s: required.", col="Åtgärd"))
        elif len(v["title"]) > measure_services.MAX_TITLE:
            p.errors.append(_("%(col)s: at most %(n)d characters.", col="Åtgärd",
                              n=measure_services.MAX_TITLE))
        for key, limit in (("goal", 300), ("comment", MAX_TEXT)):
            if isinstance(v.get(key), str) and len(v[key]) > limit:
                p.errors.append(_("%(col)s: at most %(n)d characters.",
                                  col=layout.column(key).header, n=limit))
        status = None
        if v.get("status"):
            status = _status(statuses, v["status"])
            if status is None:
                p.errors.append(_("Status: not a status of the scale (%(known)s).",
                                  known=" ".join(s.symbol for s in statuses)))
        if p.errors:
            continue
        v["status_code"] = status.code if status else None
        factor = factors.get(normal(v["goal"])) if v.get("goal") else None
        v["success_factor_id"] = factor.id if factor else None
        v["goal_text"] = None if factor or not v.get("goal") else v["goal"]
        if m is None:
            p.status = "new"
            for key in ("goal", "title", "status", "comment"):
                if v.get(key) is not None:
                    p.changes.append((layout.column(key).header, None, v[key]))
            continue
        old_goal = m.success_factor.name if m.success_factor else m.goal_text
        if v.get("goal") != old_goal:
            p.changes.append(("Mål", old_goal, v.get("goal")))
        if v["title"] != m.title:
            p.changes.append(("Åtgärd", m.title, v["title"]))
        f = follow.get(m.id)
        old_status = f.status.symbol if f is not None and f.status is not None else None
        if (status.symbol if status else None) != old_status:
            p.changes.append(("Status", old_status, status.symbol if status else None))
        old_comment = f.comment if f is not None else None
        if v.get("comment") != old_comment:
            p.changes.append(("Kommentar", old_comment, v.get("comment")))
        p.status = "changed" if p.changes else "unchanged"
        v["_follow_up"] = f
    return ImportPlan(layout.name, plans)


def _status(statuses, text: str):
    """The status a cell names: its symbol, its label, or both ("● Pågår")."""
    text = " ".join(text.split())
    for s in statuses:
        if text in (s.symbol, f"{s.symbol} {s.label}"):
            return s
    wanted = normal(text)
    return next((s for s in statuses if wanted and wanted == normal(s.label)), None)


def make_plan(user: User, target: Target, layout_name: str, data: bytes,
              progress: Callable[[int, int], None] | None = None) -> ImportPlan:
    layout = LAYOUTS[layout_name]
    rows = read_rows(data, layout, progress=progress)
    if layout_name == "measures":
        return plan_measures(user, target, layout, rows)
    return plan_risks(user, target, layout, rows)


# -- 4. saving -------------------------------------------------------------------------------
class RowFailed(ServiceError):
    pass


def apply(user: User, target: Target, plan: ImportPlan, filename: str) -> ImportPlan:
    """Write every new and changed row (a plan with errors is refused whole). One audit
    event records the import with its rows; each object's own events are recorded by its
    service as for an edit by hand."""
    if not plan.ok:
        raise ServiceError(_("The file has rows with errors: correct them and upload it "
                             "again. Nothing was saved."))
    for row in plan.rows:
        if row.status not in ("new", "changed"):
            continue
        try:
            if plan.layout == "measures":
                _apply_measure(user, target, row)
            else:
                _apply_risk(user, target, plan.layout, row)
        except ServiceError as exc:
            raise RowFailed(_("Row %(line)d: %(why)s Nothing was saved.", line=row.line,
                              why=exc.message)) from exc
    audit.record(user, "import", None, "import", None, {
        "layout": plan.layout, "file": filename[:200], "unit_id": target.unit.id,
        "plan_id": target.plan.id, "period": str(target.period),
        "new": plan.count("new"), "changed": plan.count("changed"),
        "unchanged": plan.count("unchanged"),
        "rows": [{"line": r.line, "nr": r.number if r.target is None else r.target.number,
                  "status": r.status, "changes": [[h, o, n] for h, o, n in r.changes]}
                 for r in plan.rows if r.status in ("new", "changed")],
    }, unit_id=target.unit.id)
    db.session.flush()
    return plan


def _apply_risk(user: User, target: Target, kind: str, row: RowPlan) -> None:
    v = row.values
    factor_id = None
    if kind == "success_factor":
        factor_id = _factors(target.plan)[normal(v["factor"])].id
    steps = (v.get("likelihood"), v.get("consequence"))
    has_steps = None not in steps
    if row.status == "new":
        texts = RiskTexts(event=v["event"], title=v.get("title") or short_title(v["event"]),
                          **{k: v.get(k) for k in RISK_TEXTS if k != "event"})
        risk = risk_services.create_risk(user, risk_services.NewRisk(
            kind=kind, unit_id=target.unit.id, plan_id=target.plan.id,
            owner_id=target.owner_id, texts=texts, success_factor_id=factor_id,
            number=row.number, period=target.period if has_steps else None,
            likelihood=steps[0], consequence=steps[1]))
        row.target = risk
        return
    risk = db.session.get(Risk, row.target.id)  # the plan holds plain rows
    headers = {h for h, _o, _n in row.changes}
    step_change = bool(headers & {"Sannolikhet", "Konsekvens"})
    if headers - {"Sannolikhet", "Konsekvens"}:
        current = {k: getattr(risk, k) for k in (*RISK_TEXTS, "title")}
        current.update({k: v[k] for k in RISK_TEXTS if k in v})
        if v.get("title"):
            current["title"] = v["title"]
        risk_services.update_texts(user, risk, RiskTexts(**current), risk.version,
                                   factor_id)
    if step_change and has_steps:
        own = db.session.scalar(select(RiskAssessment).where(
            RiskAssessment.risk_id == risk.id, RiskAssessment.period == target.period))
        risk_services.assess(user, risk, target.period, steps[0], steps[1],
                             own.comment if own is not None else None, risk.version)


def _apply_measure(user: User, target: Target, row: RowPlan) -> None:
    v = row.values
    texts = measure_services.MeasureTexts(
        title=v["title"], goal_text=v.get("goal_text"),
        success_factor_id=v.get("success_factor_id"))
    if row.status == "new":
        m = measure_services.create_measure(user, measure_services.NewMeasure(
            unit_id=target.unit.id, plan_id=target.plan.id, texts=texts, number=row.number))
        row.target = m
        if v.get("status_code") or v.get("comment"):
            measure_services.report(user, m, target.period, v.get("status_code"),
                                    v.get("comment"), None, m.version)
        return
    m: Measure = row.target
    headers = {h for h, _o, _n in row.changes}
    if headers & {"Mål", "Åtgärd"}:
        keep = measure_services.MeasureTexts(
            title=v["title"], description=m.description, background=m.background,
            goal_text=v.get("goal_text"), start_date=m.start_date, due_date=m.due_date,
            success_factor_id=v.get("success_factor_id"), responsible_id=m.responsible_id)
        measure_services.update_measure(user, m, keep, m.version)
    if headers & {"Status", "Kommentar"}:
        f = v.get("_follow_up")
        measure_services.report(user, m, target.period, v.get("status_code"),
                                v.get("comment"), f.result if f is not None else None,
                                m.version)
