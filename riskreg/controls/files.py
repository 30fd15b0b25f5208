"""Evidence files and population uploads: the type decided by the content (magic bytes
and, for Office files, the parts inside the zip), never by the name; the column of a CSV or
xlsx file read as a population.

A small sniffer of our own instead of libmagic: the six accepted kinds are all recognised
from their first bytes (PDF, PNG, JPEG), their zip parts (xlsx, docx) or as text (CSV).
"""

from __future__ import annotations

import csv
import io
import zipfile

from flask_babel import lazy_gettext as _l

KINDS = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv",
}
MAX_ROWS = 100_000


class FileRefused(ValueError):
    """Not a file of an accepted kind, or unreadable (the message is for the user)."""


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return None


def _is_text(data: bytes) -> bool:
    if not data or b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return all(c.isprintable() or c in "\r\n\t" for c in text[:20000])
    return False


def sniff(data: bytes) -> str | None:
    """The kind of ``data`` (a key of KINDS), or None when it is none of them."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if _is_text(data):
        return "csv"
    return None


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused(_l("The file is not text in UTF-8 or Windows-1252."))


def _column_index(column: str, header: list[str]) -> int | None:
    """A column named by its header text, its letter (A, B …) or its number (1, 2 …)."""
    column = (column or "").strip()
    if not column:
        return 0
    for i, h in enumerate(header):
        if str(h or "").strip().lower() == column.lower():
            return i
    if column.isdigit() and int(column) >= 1:
        return int(column) - 1
    if column.isascii() and column.isalpha() and len(column) <= 3:
        n = 0
        for ch in column.upper():
            n = n * 26 + (ord(ch) - 64)
        return n - 1
    return None


def _cells(rows: list[list], column: str, has_header: bool) -> list[str]:
    if not rows:
        return []
    header = [str(c) if c is not None else "" for c in rows[0]]
    index = _column_index(column, header)
    if index is None:
        raise FileRefused(_l("No such column in the file."))
    by_name = bool(column.strip()) and any(h.strip().lower() == column.strip().lower()
                                           for h in header)
    body = rows[1:] if (has_header or by_name) else rows
    out = []
    for row in body:
        value = row[index] if index < len(row) else None
        if value is not None and str(value).strip():
            out.append(_plain(value))
    return out


def _plain(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_column(data: bytes, column: str, has_header: bool) -> list[str]:
    """The non-empty cells of one column of a CSV or xlsx file, top to bottom."""
    kind = sniff(data)
    if kind == "csv":
        text = _decode(data)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = []
        for i, row in enumerate(csv.reader(io.StringIO(text), dialect)):
            if i > MAX_ROWS:
                raise FileRefused(_l("The file has too many rows."))
            rows.append(row)
        return _cells(rows, column, has_header)
    if kind == "xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise FileRefused(_l("The spreadsheet could not be read.")) from exc
        try:
            sheet = wb.worksheets[0]
            rows = []
            for i, row in enumerate(sheet.iter_rows(values_only=True)):
                if i > MAX_ROWS:
                    raise FileRefused(_l("The file has too many rows."))
                rows.append(list(row))
        finally:
            wb.close()
        return _cells(rows, column, has_header)
    raise FileRefused(_l("Upload a CSV or xlsx file for the population."))
