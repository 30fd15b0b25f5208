"""The page helpers that write HTML in Python for speed (issue 14) write what the library
or the template did: the same bytes, escaped the same way."""

from __future__ import annotations

from markupsafe import escape
from wtforms import Form, SelectField
from wtforms.widgets import Select

from riskreg.forms import QuickSelect
from riskreg.links import numbered_links

CHOICES = [("", "–"), (1, "Enhet <1> & \"co\""), ("a'b", "Ä & Ö"), (True, "yes"), (3, "")]


class _Form(Form):
    plain = SelectField(choices=CHOICES, widget=Select())
    quick = SelectField(choices=CHOICES, widget=QuickSelect())
    plain_kw = SelectField(choices=[(1, "x", {"disabled": True}), (2, "y")], widget=Select())
    quick_kw = SelectField(choices=[(1, "x", {"disabled": True}), (2, "y")],
                           widget=QuickSelect())


def test_quick_select_writes_what_wtforms_writes():
    for selected in ("", "1", "a'b", "True", "3", "nothing"):
        form = _Form(data={"plain": selected, "quick": selected})
        assert form.quick(**{"aria-describedby": "x"}).replace("quick", "plain") == form.plain(
            **{"aria-describedby": "x"})
    form = _Form(data={"plain_kw": 2, "quick_kw": 2})
    assert form.quick_kw().replace("quick_kw", "plain_kw") == form.plain_kw()


def test_numbered_links_write_what_the_template_wrote():
    titles = {1: "A <b> & \"c\"", 2: ""}
    pairs = [(1, 10), (2, 20), (3, 30)]
    html = numbered_links(lambda rid: f"/risks/{rid}?period=2026-T3&x=1", pairs, titles)
    expected = "".join(
        f'<li><a href="{escape(f"/risks/{rid}?period=2026-T3&x=1")}" '
        f'title="{escape(titles.get(rid, ""))}">#{num}<span class="sr-only"> '
        f'{escape(titles.get(rid, ""))}</span></a></li>'
        for rid, num in pairs)
    assert html == expected
    assert "&lt;b&gt;" in html and "&amp;x=1" in html
