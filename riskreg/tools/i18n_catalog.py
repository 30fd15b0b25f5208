"""Keep the translation catalogs in step with the code: extract, update, compile, check.

    python -m riskreg.tools.i18n_catalog            # extract + update sv/en .po + compile .mo
    python -m riskreg.tools.i18n_catalog --check    # change nothing; exit 1 if sv is incomplete

Messages are the English texts in ``_()``, ``_l()``, ``N_()``, ``gettext()``,
``lazy_gettext()`` and ``ngettext()`` in ``riskreg/**.py`` and in ``{{ _('…') }}`` /
``{% trans %}`` in ``templates/**.html`` (mapping in ``babel.cfg``). Existing
translations are kept; a translated msgid that disappears is kept as obsolete
(``#~``) and revived if it comes back; a changed msgid gets the old translation marked fuzzy,
which ``--check`` rejects until a translator has looked at it.

Files are only written when their content changes (no dates are bumped), so
re-running is cheap and leaves ``git status`` clean when nothing changed.
Line numbers are left out of the .po (file names are kept) to avoid merge noise.

``--check`` exits 1 if any Swedish msgid is missing, untranslated or fuzzy, if a
translation drops or adds a ``%(name)s`` placeholder, or if a .mo is out of date
with its .po.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # riskreg/
ROOT = PACKAGE_DIR.parent
MAPPING_FILE = ROOT / "babel.cfg"
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
DOMAIN = "messages"
#: The locales we ship; REQUIRED_LOCALE (the default language) must be complete.
LOCALES = ("sv", "en")
REQUIRED_LOCALE = "sv"

KEYWORDS: dict = {
    "_": None,
    "_l": None,
    "N_": None,
    "gettext": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
COMMENT_TAGS = ("TRANSLATORS:",)
_SKIP_DIRS = {"__pycache__", "node_modules", "translations"}

# %(name)s, %s, %5.1f …; %% is a literal percent sign.
_PERCENT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?(?P<spec>[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?)"
    r"(?P<type>[diouxXeEfFgGcrsa%])?"
)
_BRACE = re.compile(r"(?<!\{)\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")


# --------------------------------------------------------------------------- paths


def po_path(locale: str, translations: Path = TRANSLATIONS_DIR) -> Path:
    return translations / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str, translations: Path = TRANSLATIONS_DIR) -> Path:
    return translations / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


# --------------------------------------------------------------------------- extract


def _top_dirs(method_map: Iterable[tuple[str, str]]) -> set[str]:
    """The top-level directories the mapping patterns can match (walk only those)."""
    tops = set()
    for pattern, _method in method_map:
        first = pattern.replace("\\", "/").split("/", 1)[0]
        if "*" in first or "?" in first:
            return set()  # a pattern at the root: walk everything
        tops.add(first)
    return tops


def extract(root: Path = ROOT, mapping_file: Path = MAPPING_FILE) -> Catalog:
    """A template catalog (msgids only) from the code and the templates."""
    with open(mapping_file, encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(mapping_file))
    tops = _top_dirs(method_map)

    def directory_filter(dirpath: str) -> bool:
        # Unlike Babel's default filter, keep _underscore dirs (templates/_macros).
        name = os.path.basename(dirpath)
        if name.startswith(".") or name in _SKIP_DIRS:
            return False
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        return not tops or rel.split("/", 1)[0] in tops

    template = Catalog(project="Riskreg", locale=None, charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root),
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
        directory_filter=directory_filter,
    ):
        template.add(
            message, None, [(filename, lineno)], auto_comments=comments, context=context
        )
    return template


# --------------------------------------------------------------------------- update


def new_catalog(locale: str) -> Catalog:
    now = datetime.now(UTC)
    return Catalog(
        locale=locale,
        domain=DOMAIN,
        header_comment=(
            f"# {Locale.parse(locale).english_name} translations for Riskreg.\n"
            "# Msgids are the English texts in the code and templates. Update with\n"
            "# `python -m riskreg.tools.i18n_catalog`; translate here; re-run to compile.\n#"
        ),
        project="Riskreg",
        version="0.1",
        last_translator="Riskreg",
        language_team="Riskreg",
        creation_date=now,
        revision_date=now,
        charset="utf-8",
        fuzzy=False,
    )


def load_po(path: Path, locale: str) -> Catalog:
    if not path.exists():
        return new_catalog(locale)
    with open(path, "rb") as fh:
        return read_po(fh, locale=locale, domain=DOMAIN, abort_invalid=True)


def po_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, width=96, include_lineno=False, include_previous=True)
    return buf.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def updated(catalog: Catalog, template: Catalog) -> Catalog:
    """``catalog`` merged with ``template``; obsolete translations are revived if needed."""
    for message in list(catalog.obsolete.values()):
        if catalog.get(message.id, message.context) is None:
            catalog[message.id] = message
    catalog.obsolete.clear()
    catalog.update(template, no_fuzzy_matching=False, update_creation_date=False)
    # An obsolete entry without a translation carries nothing worth keeping.
    for key, message in list(catalog.obsolete.items()):
        if not is_translated(message):
            del catalog.obsolete[key]
    return catalog


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


# --------------------------------------------------------------------------- checks


def _as_tuple(value) -> tuple:
    """Plural ids/strings come as tuples from a .po but as lists from a .mo."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _key(message: Message) -> tuple:
    return (_as_tuple(message.id), message.context)


def message_table(catalog: Catalog, *, use_fuzzy: bool = False) -> dict:
    """{(msgid, context): msgstr} for what a .mo would hold (translated, not fuzzy)."""
    table = {}
    for message in catalog:
        if not message.id:
            continue
        strings = _as_tuple(message.string)
        if not all(strings) or (message.fuzzy and not use_fuzzy):
            continue
        table[_key(message)] = strings
    return table


def mo_is_current(catalog: Catalog, path: Path) -> bool:
    if not path.exists():
        return False
    compiled = message_table(read_mo(io.BytesIO(mo_bytes(catalog))))
    committed = message_table(read_mo(io.BytesIO(path.read_bytes())))
    return compiled == committed


def placeholders(text: str) -> tuple[set[str], list[str], set[str], bool]:
    """Named %-placeholders, positional %-placeholders, {name} fields, stray '%'."""
    named: set[str] = set()
    positional: list[str] = []
    stray = False
    for m in _PERCENT.finditer(text):
        kind = m.group("type")
        if kind is None:
            stray = True
        elif kind == "%":
            continue
        elif m.group("name") is not None:
            named.add(f"%({m.group('name')}){kind}")
        else:
            positional.append(f"%{kind}")
    braces = {m.group("name") for m in _BRACE.finditer(text)}
    return named, positional, braces, stray


def _from_template(message: Message) -> bool:
    return any(str(f).endswith((".html", ".jinja", ".j2", ".txt")) for f, _ in message.locations)


def placeholder_problems(message: Message) -> list[str]:
    """Problems with %(name)s / %s / {name} in the translations of one message."""
    ids = _as_tuple(message.id)
    strings = _as_tuple(message.string)
    problems = []
    want_named: set[str] = set()
    want_pos: list[str] = []
    want_braces: set[str] = set()
    for msgid in ids:
        named, pos, braces, _ = placeholders(msgid)
        want_named |= named
        want_pos = want_pos or pos
        want_braces |= braces
    # Jinja's newstyle gettext always applies "%", so template strings are always formatted.
    formatted = bool(want_named or want_pos) or _from_template(message)
    for i, text in enumerate(strings):
        if not text:
            continue
        named, pos, braces, stray = placeholders(text)
        where = f"msgstr[{i}]" if len(strings) > 1 else "msgstr"
        # A singular form (msgstr[0], n == 1) may say "one" instead of %(num)d.
        plural_extra = len(strings) > 1 and i == 0
        if named != want_named and not (plural_extra and named < want_named):
            problems.append(
                f"{where} has placeholders {sorted(named)}, msgid has {sorted(want_named)}"
            )
        if pos != want_pos and not (plural_extra and not pos):
            problems.append(f"{where} has positional placeholders {pos}, msgid has {want_pos}")
        if want_braces and braces != want_braces:
            problems.append(f"{where} has fields {sorted(braces)}, msgid has {sorted(want_braces)}")
        if formatted and stray:
            problems.append(f"{where} has a lone '%' (write '%%' for a percent sign)")
    return problems


@dataclass
class Report:
    locale: str
    missing: list[Message] = field(default_factory=list)
    untranslated: list[Message] = field(default_factory=list)
    fuzzy: list[Message] = field(default_factory=list)
    bad_placeholders: list[tuple[Message, list[str]]] = field(default_factory=list)
    obsolete: int = 0
    mo_stale: bool = False
    total: int = 0

    @property
    def ok(self) -> bool:
        return not (
            self.missing or self.untranslated or self.fuzzy or self.bad_placeholders
            or self.mo_stale
        )

    def lines(self) -> Iterator[str]:
        done = self.total - len(self.missing) - len(self.untranslated) - len(self.fuzzy)
        if self.locale == REQUIRED_LOCALE:
            summary = f"{done}/{self.total} translated"
        else:
            summary = f"{self.total} msgids (an empty msgstr falls back to the English msgid)"
        yield f"[{self.locale}] {summary}, {self.obsolete} obsolete"
        for label, items in (
            ("missing from the .po", self.missing),
            ("untranslated", self.untranslated),
            ("fuzzy", self.fuzzy),
        ):
            for message in items:
                yield f"  {label}: {describe(message)}"
        for message, problems in self.bad_placeholders:
            for problem in problems:
                yield f"  placeholder: {describe(message)}: {problem}"
        if self.mo_stale:
            yield f"  {mo_path(self.locale).relative_to(ROOT)} is out of date with the .po"


def describe(message: Message) -> str:
    msgid = _as_tuple(message.id)[0]
    where = ", ".join(f"{f}:{n}" if n else str(f) for f, n in message.locations[:3])
    ctx = f" [{message.context}]" if message.context else ""
    return f"{msgid!r}{ctx} ({where})"


def is_translated(message: Message) -> bool:
    strings = _as_tuple(message.string)
    return bool(strings) and all(strings)


def check_catalog(
    locale: str, catalog: Catalog, template: Catalog, mo_file: Path | None, *, complete: bool
) -> Report:
    report = Report(locale=locale, obsolete=len(catalog.obsolete))
    for wanted in template:
        if not wanted.id:
            continue
        report.total += 1
        message = catalog.get(wanted.id, wanted.context)
        if message is None:
            report.missing.append(wanted)
            continue
        message.locations = wanted.locations  # report where the code uses it now
        if complete and not is_translated(message):
            report.untranslated.append(message)
        elif message.fuzzy and is_translated(message):
            report.fuzzy.append(message)
        problems = placeholder_problems(message)
        if problems:
            report.bad_placeholders.append((message, problems))
    if mo_file is not None:
        report.mo_stale = not mo_is_current(catalog, mo_file)
    if not complete:  # e.g. English: empty msgstr falls back to the msgid
        report.missing = []
    return report


# --------------------------------------------------------------------------- commands


def run(*, check: bool, root: Path = ROOT, out=sys.stdout) -> int:
    template = extract(root)
    status = 0
    for locale in LOCALES:
        po = po_path(locale)
        mo = mo_path(locale)
        catalog = load_po(po, locale)
        complete = locale == REQUIRED_LOCALE
        if check:
            report = check_catalog(locale, catalog, template, mo, complete=complete)
        else:
            catalog = updated(catalog, template)
            wrote_po = _write_if_changed(po, po_bytes(catalog))
            # Compile from what is on disk, exactly as a translator's edit would be read.
            catalog = load_po(po, locale)
            wrote_mo = _write_if_changed(mo, mo_bytes(catalog))
            for path, wrote in ((po, wrote_po), (mo, wrote_mo)):
                if wrote:
                    print(f"wrote {path.relative_to(root)}", file=out)
            report = check_catalog(locale, catalog, template, mo, complete=complete)
        for line in report.lines():
            print(line, file=out)
        if not report.ok:
            status = 1
    return status if check else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m riskreg.tools.i18n_catalog", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a Swedish msgid is missing, untranslated or fuzzy, "
        "a placeholder is lost, or a .mo is out of date",
    )
    args = parser.parse_args(argv)
    return run(check=args.check)


if __name__ == "__main__":
    sys.exit(main())
