"""Spreadsheets in and out (issue 12): the sources' own layouts as data (layouts.py),
exports written with XlsxWriter in constant memory (export.py, workbooks.py), large ones
in the background (files.py), and imports read with openpyxl in read-only mode after the
file itself was checked (importing.py)."""
