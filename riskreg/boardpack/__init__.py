"""The board pack (issue 12): one document per board meeting for a unit and a period,
as print HTML (A4, ``@page`` rules) and as a PDF made on the server with WeasyPrint.

* sections.py — what a pack holds: a list of :class:`~.sections.PackSection`, named in
  ``create_app`` (riskreg/__init__.py ``register_features``); a feature adds its part of
  the pack (e.g. the internal-control follow-up of riskreg/controls/) with one line there.
* queries.py — the cover (organisation, board) and the matrices of the subtree; every
  other read is the owning feature's own query function.
* pdf.py — HTML → PDF, fetching nothing but the app's own static files.
"""
