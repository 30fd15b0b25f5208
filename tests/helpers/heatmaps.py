"""Shared by the heat-map tests: expectations read from the seed YAML, a small HTML tree
(the standard library's parser: no extra dependency), and risks planted through the
services.

Expected values are computed from ``seed/risks_*.yaml`` (each risk's latest assessment at
or before the period), never typed in by hand.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from riskreg.admin import services as admin_services
from riskreg.domain.matrix import Scale, format_band_summary
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import Unit
from riskreg.models.risks import Risk, RiskAssessment
from riskreg.risks import services, state
from riskreg.risks.texts import RiskTexts
from riskreg.uow import transaction
from tests.conftest import unit, user
from tests.helpers.risks import plan_of

SEED_DIR = Path(__file__).resolve().parent.parent.parent / "seed"

# The two demo data sets of the brief: (seed file, unit, period, a user who reads it).
NORRBOTTEN = ("risks_norrbotten.yaml", "NLL-RS", "styrelse@norrbotten.example")
SORMLAND = ("risks_sormland.yaml", "SRM-PV", "samordnare@sormland.example")

# Per organisation: the unit that owns the plan, a risk owner and a coordinator there.
ORGS = {
    "NLL": ("NLL-RS", "riskagare@norrbotten.example", "samordnare@norrbotten.example"),
    "SRM": ("SRM-PV", "riskagare@sormland.example", "samordnare@sormland.example"),
}


# -- expectations from the seed --------------------------------------------------------
def seed_cells(seed_file: str, unit_code: str, period: str) -> dict[tuple[int, int], list[int]]:
    """(likelihood, consequence) → sorted risk numbers of ``unit_code``'s risks in
    ``period``: each risk's latest assessment at or before the period."""
    data = yaml.safe_load((SEED_DIR / seed_file).read_text(encoding="utf-8"))
    wanted = Period.parse(period)
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for risk in data["risks"]:
        if risk["unit"] != unit_code:
            continue
        earlier = [a for a in risk.get("assessments") or []
                   if Period.parse(str(a["period"])) <= wanted]
        if not earlier:
            continue
        latest = max(earlier, key=lambda a: Period.parse(str(a["period"])))
        cells[(latest["likelihood"], latest["consequence"])].append(risk["number"])
    return {k: sorted(v) for k, v in cells.items()}


def band_totals(cells: dict[tuple[int, int], list[int]], scale: Scale) -> dict[str, int]:
    totals = {b.name: 0 for b in scale.bands}
    for (lk, c), numbers in cells.items():
        totals[scale.band(lk * c).name] += len(numbers)
    return totals


def band_summary(cells: dict[tuple[int, int], list[int]], scale: Scale, total_word: str) -> str:
    counts = band_totals(cells, scale)
    ordered = [(b, counts[b.name]) for b in sorted(scale.bands, key=lambda b: -b.low)]
    return format_band_summary(ordered, total_word)


# -- a small HTML tree ----------------------------------------------------------------
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list = field(default_factory=list)  # Node or str
    parent: Node | None = field(default=None, repr=False)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list[Node]:
        """Descendants by tag, class and attributes (``data_count`` means data-count;
        a value of True means: present)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        found = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if cls is not None and cls not in node.classes:
                continue
            if all((name in node.attrs) if value is True else node.attrs.get(name) == str(value)
                   for name, value in wanted.items()):
                found.append(node)
        return found

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> Node | None:
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def one(self, tag: str | None = None, cls: str | None = None, **attrs) -> Node:
        found = self.find_all(tag, cls, **attrs)
        assert len(found) == 1, f"expected one <{tag} class={cls} {attrs}>, found {len(found)}"
        return found[0]

    def raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw_text() for c in self.children)

    def text(self) -> str:
        """The text, whitespace collapsed."""
        return " ".join(self.raw_text().split())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, [], self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(
            Node(tag, {k: (v if v is not None else "") for k, v in attrs}, [], self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:  # close it (and what it holds)
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_html(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


# -- reading a matrix out of a page ------------------------------------------------------
@dataclass
class PageCell:
    count: int
    band: str
    numbers: list[int]
    risk_ids: list[int]
    moved: str
    link: str
    titles: list[str] = field(default_factory=list)  # each number's tooltip (title)


def page_cells(table: Node) -> dict[tuple[int, int], PageCell]:
    """Every td.cell of one matrix table, by (likelihood, consequence)."""
    cells = {}
    for td in table.find_all("td", cls="cell"):
        key = (int(td.get("data-likelihood")), int(td.get("data-consequence")))
        assert key not in cells, f"cell {key} twice"
        numbers, ids, titles = [], [], []
        listing = td.find("ul", cls="numbers")
        for a in (listing.find_all("a") if listing else []):
            # "#12" and, for screen readers, the title it also carries as its tooltip
            match = re.fullmatch(r"#(\d+)(?: (.+))?", a.text())
            assert match, f"not a risk number: {a.text()!r}"
            assert (match.group(2) or "") == (a.get("title") or ""), a.text()
            numbers.append(int(match.group(1)))
            titles.append(a.get("title") or "")
            id_match = re.match(r"/risks/(\d+)", a.get("href"))
            assert id_match, a.get("href")
            ids.append(int(id_match.group(1)))
        moved = td.find("p", cls="moved")
        link = td.one("a", cls="cell-link")
        cells[key] = PageCell(
            count=int(td.get("data-count")), band=td.one("span", cls="band").text(),
            numbers=numbers, risk_ids=ids, moved=moved.text() if moved else "",
            link=link.get("href"), titles=titles)
        assert link.one("span", cls="count").text() == td.get("data-count")
    return cells


def matrix_table(doc: Node, testid: str = "matrix") -> Node:
    return doc.one("table", cls="heatmap", data_testid=testid)


def figure_of(doc: Node) -> dict:
    """The plotly figure of the page, parsed from its data-figure attribute."""
    return json.loads(doc.one("div", data_figure=True).get("data-figure"))


def figure_cells(fig: dict) -> dict[tuple[int, int], tuple[str, str]]:
    """(likelihood, consequence) → (cell text, hover text) of the plotly heat map
    (rows = likelihood 1..n from the bottom, columns = consequence 1..n)."""
    trace = fig["data"][0]
    return {(lk, c): (trace["text"][lk - 1][c - 1], trace["hovertext"][lk - 1][c - 1])
            for lk in range(1, len(trace["y"]) + 1) for c in range(1, len(trace["x"]) + 1)}


def change_rows(doc: Node) -> dict[int, Node]:
    """The rows of the change table, by risk id."""
    table = doc.one("table", data_testid="changes")
    return {int(tr.get("data-risk-id")): tr for tr in table.find_all("tr", data_risk_id=True)}


# -- planting risks ---------------------------------------------------------------------
Assessment = tuple[str, int, int]  # (period, likelihood, consequence)


def plant_risk(unit_code: str, assessments: list[Assessment], event: str,
               number: int | None = None) -> Risk:
    """A unit risk created through the services (actor None, as the seed does), then
    re-assessed period by period by the organisation's coordinator; each write saved as
    its request would save it."""
    org = unit_code.split("-")[0]
    _plan_unit, owner_email, coordinator_email = ORGS[org]
    first, *later = sorted(assessments, key=lambda a: Period.parse(a[0]))
    with transaction():
        risk = services.create_risk(None, services.NewRisk(
            kind="unit", unit_id=unit(unit_code).id, plan_id=plan_of(org).id,
            owner_id=user(owner_email).id, number=number,
            texts=RiskTexts(title=event[:120], event=event, handling_type="control"),
            period=Period.parse(first[0]), likelihood=first[1], consequence=first[2]))
    coordinator = user(coordinator_email)
    for period, lk, c in later:
        with transaction():
            services.assess(coordinator, risk, Period.parse(period), lk, c, None,
                            risk.version)
    return risk


def archive_risk(risk: Risk, at: datetime) -> None:
    """Archived through the service, then dated ``at`` (the service stamps 'now'), so that
    the test says in which tertial it left the register."""
    coordinator = user(ORGS[risk.unit.code.split("-")[0]][2])
    with transaction():
        services.archive(coordinator, risk, "Hanterad, avslutas", risk.version)
        risk.archived_at = at
        risk.archived_in = Period.containing(at.date())
        state.refresh(risk)  # the stored state follows the re-dated archiving


def plant_history() -> dict[str, Risk]:
    """Risks of Division Länssjukvård 1 whose values moved between tertials: one rose
    (6 → 9), one fell, one held, one is new in 2022-T2, one was archived in 2022-T2, one is
    compared with the same tertial last year."""
    rising = plant_risk("NLL-LS1", [("2022-T1", 2, 3), ("2022-T2", 3, 3)], "Stigande risk")
    falling = plant_risk("NLL-LS1", [("2022-T1", 4, 3), ("2022-T2", 2, 3)], "Sjunkande risk")
    steady = plant_risk("NLL-LS1", [("2022-T1", 2, 2)], "Oförändrad risk")
    new = plant_risk("NLL-LS1-AKUT", [("2022-T2", 1, 2)], "Ny risk")
    gone = plant_risk("NLL-LS1", [("2022-T1", 3, 4)], "Arkiverad risk")
    archive_risk(gone, datetime(2022, 6, 15, 10, tzinfo=UTC))  # in 2022-T2
    yearly = plant_risk("NLL-LS1-IMED", [("2021-T2", 2, 3), ("2022-T2", 3, 3)],
                        "Risk jämförd med förra året")
    return {"rising": rising, "falling": falling, "steady": steady, "new": new, "gone": gone,
            "yearly": yearly}


def add_unit(parent_code: str, code: str, name: str, kind: str = "unit") -> Unit:
    with transaction():
        return admin_services.add_unit(None, unit(parent_code), code, name, kind)


# -- a large subtree --------------------------------------------------------------------
LARGE_PERIODS = ("2021-T1", "2021-T2", "2021-T3", "2022-T1", "2022-T2")


def grow_tree(n_risks: int = 300) -> dict[str, int]:
    """Two more levels beneath Division Länssjukvård 1 and ``n_risks`` risks with
    assessment histories spread over Regionstyrelsen's subtree (not every risk
    re-assessed every tertial; some archived). Inserted in bulk (no audit: this is volume,
    not behaviour). Returns how many of them count in 2022-T2, per unit code."""
    area = add_unit("NLL-LS1-IMED", "NLL-LS1-IMED-A", "Område Hjärta")
    add_unit("NLL-LS1-IMED-A", "NLL-LS1-IMED-A1", "Avdelning 41", "unit")
    root = unit("NLL-RS")
    units = list(db.session.scalars(
        select(Unit).where(Unit.subtree_clause(root.path)).order_by(Unit.id)))
    assert area in units
    plan = plan_of("NLL")
    owner = user(ORGS["NLL"][1])
    counted: dict[str, int] = defaultdict(int)
    risks = []
    for i in range(n_risks):
        where = units[i % len(units)]
        # histories of 1 to 5 tertials, starting at different tertials
        start = i % len(LARGE_PERIODS)
        length = 1 + (i * 7) % (len(LARGE_PERIODS) - start)
        history = []
        for k, period in enumerate(LARGE_PERIODS[start:start + length]):
            if k and (i + k) % 3 == 0:
                continue  # not re-assessed this tertial
            lk, c = 1 + (i + k) % 4, 1 + (i * 3 + k) % 4
            history.append(RiskAssessment(period=Period.parse(period), likelihood=lk,
                                          consequence=c, value=lk * c))
        archived = datetime(2022, 3, 15, tzinfo=UTC) if i % 11 == 0 else None
        risks.append(Risk(kind="unit", plan_id=plan.id, number=10_000 + i, unit_id=where.id,
                          owner_id=owner.id, title=f"Volymrisk {i}", event=f"Volymrisk {i}",
                          handling_type="control",
                          archived_at=archived,
                          archived_in=Period.containing(archived.date()) if archived else None,
                          assessments=history))
        if archived is None:  # archived in 2022-T1: gone by 2022-T2
            counted[where.code] += 1
    db.session.add_all(risks)
    db.session.flush()
    state.rebuild()  # bulk rows bypass the services: derive their stored state
    return dict(counted)


# The demo data cases both the page and the API tests check, cell by cell.
DEMO_CASES = [
    pytest.param(*NORRBOTTEN, "2022-T1", id="NLL-RS-2022-T1"),
    pytest.param(*NORRBOTTEN, "2022-T2", id="NLL-RS-2022-T2"),
    pytest.param(*NORRBOTTEN, "2022-T3", id="NLL-RS-2022-T3"),
    pytest.param(*NORRBOTTEN, "2024-T2", id="NLL-RS-carried-forward"),
    pytest.param(*NORRBOTTEN, "2021-T3", id="NLL-RS-before-any-assessment"),
    pytest.param(*SORMLAND, "2024-T1", id="SRM-PV-2024-T1"),
    pytest.param(*SORMLAND, "2024-T2", id="SRM-PV-2024-T2"),
]
