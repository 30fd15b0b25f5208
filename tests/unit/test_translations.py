"""The Swedish catalog covers every message in the code and templates, and is compiled.

Fix a failure with ``python -m riskreg.tools.i18n_catalog`` (extract + update + compile), then
translate the entries it lists in ``riskreg/translations/sv/LC_MESSAGES/messages.po``
and run it again to compile the .mo.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.mofile import read_mo, write_mo

from riskreg.tools import i18n_catalog as cat

SV = "sv"


@pytest.fixture(scope="module")
def template():
    """The msgids the code and templates use now (Babel's extraction, babel.cfg mapping)."""
    return cat.extract()


@pytest.fixture(scope="module")
def catalogs():
    return {locale: cat.load_po(cat.po_path(locale), locale) for locale in cat.LOCALES}


def _listing(messages) -> str:
    return "\n".join(f"  {cat.describe(m)}" for m in messages)


# -- (a) every msgid in use is translated into Swedish --------------------------------
def test_extraction_finds_messages(template):
    ids = [m.id for m in template if m.id]
    assert len(ids) > 50, "extraction found almost nothing: is babel.cfg right?"


def test_every_msgid_is_in_the_swedish_catalog(template, catalogs):
    report = cat.check_catalog(SV, catalogs[SV], template, None, complete=True)
    assert not report.missing, (
        "msgids not in the Swedish catalog (run `python -m riskreg.tools.i18n_catalog` and "
        "translate them):\n" + _listing(report.missing)
    )


def test_every_msgid_is_translated_and_not_fuzzy(template, catalogs):
    report = cat.check_catalog(SV, catalogs[SV], template, None, complete=True)
    problems = [("untranslated", m) for m in report.untranslated]
    problems += [("fuzzy", m) for m in report.fuzzy]
    assert not problems, "Swedish catalog incomplete:\n" + "\n".join(
        f"  {label}: {cat.describe(m)}" for label, m in problems
    )


def test_english_is_a_known_locale(catalogs):
    assert cat.mo_path("en").exists()
    assert catalogs["en"].locale.language == "en"


# -- (b) the committed .mo is what the .po compiles to --------------------------------
@pytest.mark.parametrize("locale", cat.LOCALES)
def test_committed_mo_matches_the_po(locale, catalogs):
    compiled = io.BytesIO()
    write_mo(compiled, catalogs[locale], use_fuzzy=False)
    compiled.seek(0)
    path = cat.mo_path(locale)
    assert path.exists(), f"{path} is missing: run `python -m riskreg.tools.i18n_catalog`"
    with open(path, "rb") as fh:
        committed = read_mo(fh)
    fresh = read_mo(compiled)
    want, have = cat.message_table(fresh), cat.message_table(committed)
    stale = sorted(str(k[0][0]) for k in want.keys() | have.keys() if want.get(k) != have.get(k))
    assert want == have, (
        f"{path.name} for {locale} is out of date with the .po (run "
        f"`python -m riskreg.tools.i18n_catalog`); differing msgids: {stale[:20]}"
    )
    assert committed.plural_forms == fresh.plural_forms


# -- (c) placeholders survive translation ---------------------------------------------
def test_placeholders_are_kept_in_translations(catalogs, template):
    problems = []
    for locale, catalog in catalogs.items():
        for wanted in template:
            message = catalog.get(wanted.id, wanted.context) if wanted.id else None
            if message is None:
                continue
            message.locations = wanted.locations
            problems += [
                f"  [{locale}] {cat.describe(message)}: {p}"
                for p in cat.placeholder_problems(message)
            ]
        # Babel's own checkers (python-format types, plural count).
        for message, errors in catalog.check():
            problems += [f"  [{locale}] {cat.describe(message)}: {e}" for e in errors]
    assert not problems, "placeholders changed in translation:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("msgid", "msgstr", "ok"),
    [
        ("Risk %(n)d was created.", "Risk %(n)d har skapats.", True),
        ("Page %(page)d of %(pages)d", "Sidan %(pages)d … %(page)d", True),  # order is free
        ("Risk %(n)d was created.", "Risken har skapats.", False),  # dropped
        ("Welcome, %(name)s", "Välkommen, %(namn)s", False),  # renamed
        ("Welcome, %(name)s", "Välkommen, %(name)d", False),  # type changed
        ("Welcome, %(name)s", "100 % välkommen, %(name)s", False),  # lone %
    ],
)
def test_placeholder_checker(msgid, msgstr, ok):
    message = Message(msgid, msgstr, locations=[("templates/x.html", 1)])
    assert (not cat.placeholder_problems(message)) is ok


def test_placeholder_checker_plurals():
    good = Message(("%(num)d risk", "%(num)d risks"), ("%(num)d risk", "%(num)d risker"))
    bad = Message(("%(num)d risk", "%(num)d risks"), ("%(num)d risk", "risker"))
    assert not cat.placeholder_problems(good)
    assert cat.placeholder_problems(bad)


# -- the extraction itself: keywords and template syntax that must be picked up --------
def test_extraction_covers_keywords_and_template_forms(tmp_path: Path):
    shutil.copy(cat.MAPPING_FILE, tmp_path / "babel.cfg")
    (tmp_path / "riskreg" / "sub").mkdir(parents=True)
    (tmp_path / "riskreg" / "sub" / "x.py").write_text(
        "from flask_babel import gettext, lazy_gettext, ngettext\n"
        "_ = _l = N_ = gettext\n"
        "a = _('py underscore')\n"
        "b = _l('py lazy %(name)s')\n"
        "c = N_('py marker')\n"
        "d = gettext('py gettext')\n"
        "e = lazy_gettext('py lazy_gettext')\n"
        "f = ngettext('%(num)d py thing', '%(num)d py things', 2)\n",
        encoding="utf-8",
    )
    (tmp_path / "templates" / "_macros").mkdir(parents=True)
    (tmp_path / "templates" / "_macros" / "m.html").write_text(
        "{% macro m(x) %}{{ _('tpl macro') }}{% endmacro %}\n", encoding="utf-8"
    )
    (tmp_path / "templates" / "page.html").write_text(
        "{% extends 'base.html' %}{% block content %}\n"
        "<h1>{{ _('tpl hello %(name)s', name=user.name) }}</h1>\n"
        "{% do items.append(1) %}\n"
        "<p title=\"{{ _('tpl attr') }}\">"
        "{{ ngettext('%(num)d tpl risk', '%(num)d tpl risks', n) }}</p>\n"
        "{% trans %}tpl block{% endtrans %}\n{% endblock %}\n",
        encoding="utf-8",
    )
    ids = {m.id for m in cat.extract(tmp_path, tmp_path / "babel.cfg") if m.id}
    assert {
        "py underscore", "py lazy %(name)s", "py marker", "py gettext", "py lazy_gettext",
        ("%(num)d py thing", "%(num)d py things"), "tpl macro", "tpl hello %(name)s",
        "tpl attr", ("%(num)d tpl risk", "%(num)d tpl risks"), "tpl block",
    } <= ids


# -- the running app speaks Swedish -------------------------------------------------
@pytest.fixture(scope="module")
def i18n_app():
    from riskreg import create_app
    from riskreg.config import TestConfig

    return create_app(TestConfig)


def test_app_translates_into_swedish_by_default(i18n_app):
    from flask_babel import force_locale, get_babel, gettext, ngettext

    with i18n_app.test_request_context("/"):
        assert i18n_app.config["BABEL_DEFAULT_LOCALE"] == "sv"
        known = {str(loc) for loc in get_babel().instance.list_translations()}
        assert {"sv", "en"} <= known
        with force_locale("sv"):
            assert gettext("Sign in") == "Logga in"
            assert gettext("Welcome, %(name)s", name="Ada") == "Välkommen, Ada"
            assert ngettext("%(num)d risk", "%(num)d risks", 3) == "3 risker"
        with force_locale("en"):
            assert gettext("Sign in") == "Sign in"


def test_wtforms_validator_messages_are_swedish(i18n_app):
    from flask_babel import force_locale
    from flask_wtf import FlaskForm
    from wtforms import StringField
    from wtforms.validators import DataRequired

    class F(FlaskForm):
        name = StringField("name", validators=[DataRequired()])

    with i18n_app.test_request_context("/", method="POST", data={}), force_locale("sv"):
        form = F(meta={"csrf": False})
        assert not form.validate()
        assert form.name.errors == ["Det här fältet är obligatoriskt."]


# -- the update keeps translations, revives obsolete ones, flags changed msgids -----
def _template(*ids):
    from babel.messages.catalog import Catalog

    template = Catalog(locale=None)
    for i, msgid in enumerate(ids):
        template.add(msgid, locations=[("riskreg/x.py", i + 1)])
    return template


def test_update_keeps_revives_and_flags():
    from babel.messages.pofile import read_po

    catalog = cat.new_catalog(SV)
    catalog.add("Save", "Spara")
    catalog.add("Delete the risk", "Ta bort risken")
    catalog = cat.updated(catalog, _template("Save", "Cancel"))
    assert catalog.get("Save").string == "Spara"
    assert not catalog.get("Cancel").string
    assert "Delete the risk" in catalog.obsolete  # kept, not lost

    data = cat.po_bytes(catalog)
    catalog = cat.updated(read_po(io.BytesIO(data), locale=SV),
                          _template("Save", "Delete the risk", "Delete the risks"))
    assert catalog.get("Delete the risk").string == "Ta bort risken"  # revived
    assert not catalog.get("Delete the risk").fuzzy
    assert catalog.get("Delete the risks").fuzzy  # a near match is only a suggestion
    assert not catalog.obsolete.get("Delete the risk")


def test_update_is_idempotent():
    from babel.messages.pofile import read_po

    template = _template("Save", "Cancel", "Risk %(n)d was created.")
    first = cat.po_bytes(cat.updated(cat.new_catalog(SV), template))
    second = cat.po_bytes(cat.updated(read_po(io.BytesIO(first), locale=SV), template))
    assert first == second
