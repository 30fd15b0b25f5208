"""The board pack: print HTML and PDF of one board meeting's document (read-only GETs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, abort, current_app, render_template
from flask_login import current_user, login_required

from .. import clock, web
from ..extensions import limiter
from ..heatmaps import params
from ..heatmaps import queries as heatmaps
from ..scales import scale_for_unit
from . import queries, sections
from .pdf import render_pdf
from .permissions import can_read_board_pack

bp = Blueprint("boardpack", __name__)


@dataclass
class Pack:
    ctx: sections.PackContext
    cover: queries.Cover
    parts: list[sections.Part]
    printed: date
    compare: str  # the comparison asked for (previous, last_year, none, period)

    def number_of(self, code: str | None) -> int | None:
        """The number of the section ``code`` in this pack (None when it is left out)."""
        return next((p.number for p in self.parts if p.code == code), None)

    @property
    def query(self) -> dict[str, str]:
        """The parameters that name this pack (for its links)."""
        q = {"unit": str(self.ctx.unit.id), "period": str(self.ctx.period),
             "compare": str(self.ctx.against) if self.compare == "period" else self.compare}
        if self.ctx.meeting is not None:
            q["meeting"] = self.ctx.meeting.isoformat()
        return q


def _pack() -> Pack:
    p = params.parse(current_user)
    if not can_read_board_pack(current_user, p.unit):
        abort(403)
    meeting = web.date_arg("meeting")
    scale = scale_for_unit(p.unit)
    whole = heatmaps.matrix(current_user, p.unit, p.period, scale, True)
    ctx = sections.PackContext(current_user, p.unit, p.period, p.against, meeting, scale,
                               whole)
    return Pack(ctx, queries.cover(p.unit), sections.parts(ctx), clock.today(), p.compare)


def _render(pack: Pack, *, pdf: bool) -> str:
    return render_template("boardpack/pack.html", pack=pack, pdf=pdf,
                           periods=web.period_choices(pack.ctx.period, pack.ctx.against),
                           param_errors=web.param_errors())


@bp.route("/board/pack")
@login_required
def html():
    """The pack as print HTML; a bad parameter is shown beside its field (400)."""
    web.keep_page()
    return _render(_pack(), pdf=False), web.params_status()


def _pdf_limit() -> str:
    """A PDF costs seconds of CPU (WeasyPrint): so many per user and minute."""
    return current_app.config.get("PACK_PDF_LIMIT", "20 per minute")


@bp.route("/board/pack.pdf")
@login_required
@limiter.limit(_pdf_limit, key_func=lambda: f"pack-pdf:{current_user.get_id()}")
def pdf():
    """The same document as a PDF made on the server (bad parameters: 400 with a
    message)."""
    pack = _pack()
    data = render_pdf(_render(pack, pdf=True))
    code = re.sub(r"[^A-Za-z0-9_-]+", "_", pack.ctx.unit.code)
    name = f"styrelsepaket-{code}-{pack.ctx.period}.pdf"
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store"})
