"""The demo data: idempotent, and the organisations and plans are those of the documents."""

from __future__ import annotations

from functools import cache

import pytest
from sqlalchemy import func, select

from riskreg.auth.passwords import verify_password
from riskreg.domain.matrix import DEFAULT_SCALE_CONFIG
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import (
    AuditEvent,
    Kpi,
    Perspective,
    Plan,
    RiskScale,
    StrategicGoal,
    SuccessFactor,
    Unit,
)
from riskreg.seed import DEMO_PASSWORD, ORG_FILES, seed_demo
from riskreg.seed import load_yaml as _load_yaml
from tests.conftest import assignments_of, unit, user

pytestmark = pytest.mark.usefixtures("app")


@cache
def load_yaml(name: str) -> dict:
    return _load_yaml(name)


def yaml_nodes(node: dict, parent: str | None = None):
    """(node, parent code) for every unit in an organisation file."""
    yield node, parent
    for child in node.get("children") or []:
        yield from yaml_nodes(child, node["code"])


def all_units() -> dict[str, Unit]:
    return {u.code: u for u in db.session.scalars(select(Unit))}


def children(code: str) -> list[Unit]:
    parent = unit(code)
    return list(db.session.scalars(
        select(Unit).where(Unit.parent_id == parent.id).order_by(Unit.name)))


def table_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


# -- idempotence --------------------------------------------------------------------
def test_second_run_creates_nothing():
    before = table_counts()
    events_before = db.session.scalar(select(func.max(AuditEvent.id)))
    report = seed_demo()
    assert report.created == {}
    assert table_counts() == before
    assert db.session.scalar(select(func.max(AuditEvent.id))) == events_before
    assert len(report.logins) == len(load_yaml("users.yaml")["users"])


def test_first_run_left_one_seed_event():
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "seed")).all()
    assert len(events) == 1
    assert events[0].new["units"] == sum(
        len(list(yaml_nodes(load_yaml(f)["organisation"]))) for f in ORG_FILES)


# -- the organisation trees -----------------------------------------------------------
@pytest.mark.parametrize("filename", ORG_FILES)
def test_organisation_tree_matches_the_seed_file(filename):
    units = all_units()
    for node, parent in yaml_nodes(load_yaml(filename)["organisation"]):
        u = units[node["code"]]
        assert (u.name, u.kind) == (node["name"], node["kind"])
        assert (units[parent].id if parent else None) == u.parent_id
        expected_children = {c["code"] for c in node.get("children") or []}
        assert {c.code for c in units.values() if c.parent_id == u.id} == expected_children
        # the materialised path is the chain of ancestors
        assert u.path == (units[parent].path if parent else "/") + f"{u.id}/"
        assert u.depth == len(u.ancestor_ids) - 1


def test_unit_codes_are_unique_and_short():
    codes = [code for f in ORG_FILES for node, _ in yaml_nodes(load_yaml(f)["organisation"])
             for code in [node["code"]]]
    assert len(codes) == len(set(codes))
    assert all(len(c) <= 20 for c in codes)


def test_norrbotten_regionstyrelsen_has_six_divisions_and_regiongemensamt():
    """001 Bilaga 3: six divisions and Regiongemensamt under Regionstyrelsen."""
    rs = unit("NLL-RS")
    assert rs.name == "Regionstyrelsen" and rs.kind == "board"
    assert rs.parent_id == unit("NLL").id
    names = [u.name for u in children("NLL-RS")]
    assert len([n for n in names if n.startswith("Division ")]) == 6
    assert "Regiongemensamt" in names
    assert len(names) == 7
    for name in ["Division Nära", "Division Länssjukvård 1", "Division Länssjukvård 2",
                 "Division Funktion", "Division Psykiatri", "Division Regionstöd"]:
        assert name in names


def test_lanssjukvard_1_has_its_vo_units():
    """000 names VO Akut omhändertagande, VO Internmedicin, VO Neurocentrum, VO Barnsjukvård."""
    names = {u.name for u in children("NLL-LS1")}
    assert names == {"VO Akut omhändertagande", "VO Barnsjukvård", "VO Internmedicin",
                     "VO Neurocentrum"}
    assert all(u.kind == "unit" for u in children("NLL-LS1"))


def test_sormland_primarvard_has_vardcentraler():
    pv = unit("SRM-PV")
    assert pv.name == "Division Primärvård"
    assert pv.root_id == unit("SRM").id
    names = [u.name for u in children("SRM-PV")]
    assert names and all(n.startswith("Vårdcentralen ") for n in names)
    assert "Vårdcentralen Strängnäs" in names


def test_orebro_has_halso_och_sjukvardsnamnden():
    hsn = unit("ORE-HSN")
    assert hsn.name == "Hälso- och sjukvårdsnämnden"
    assert hsn.kind == "board"
    assert hsn.parent_id == unit("ORE").id


@pytest.mark.parametrize("filename", ORG_FILES)
def test_every_organisation_has_the_default_scale(filename):
    root = unit(load_yaml(filename)["organisation"]["code"])
    scale = db.session.scalar(select(RiskScale).where(RiskScale.unit_id == root.id))
    assert scale.as_config() == DEFAULT_SCALE_CONFIG


# -- "this unit and everything beneath it" is one statement ---------------------------
def yaml_subtree(code: str) -> set[str]:
    for f in ORG_FILES:
        for node, _ in yaml_nodes(load_yaml(f)["organisation"]):
            if node["code"] == code:
                return {n["code"] for n, _ in yaml_nodes(node)}
    raise AssertionError(code)


@pytest.mark.parametrize("code", ["NLL", "NLL-RS", "NLL-LS1", "NLL-LS1-IMED", "SRM", "SRM-PV",
                                  "ORE-HSN"])
def test_subtree_query_is_one_statement(code, statement_log):
    top = unit(code)
    with statement_log() as queries:
        found = db.session.scalars(select(Unit).where(Unit.subtree_clause(top.path))).all()
    assert queries.count == 1, queries.statements
    assert {u.code for u in found} == yaml_subtree(code)
    assert all(u.is_within(top) for u in found)


def test_the_statement_log_counts_statements(statement_log):
    with statement_log() as queries:
        db.session.scalar(select(func.count(Unit.id)))
        db.session.scalar(select(func.count(Plan.id)))
    assert queries.count == 2


# -- the plans ---------------------------------------------------------------------------
def plans_in_seed():
    for f in ORG_FILES:
        data = load_yaml(f)
        if data.get("plan"):
            yield pytest.param(data["plan"], id=data["plan"]["unit"])


def yaml_kpis(plan: dict):
    for p in plan.get("perspectives") or []:
        for g in p.get("goals") or []:
            for sf in g.get("success_factors") or []:
                for k in sf.get("kpis") or []:
                    yield k, sf["name"]
    for k in plan.get("kpis") or []:
        yield k, None


def db_plan(plan: dict) -> Plan:
    return db.session.scalar(select(Plan).where(Plan.name == plan["name"],
                                                Plan.unit_id == unit(plan["unit"]).id))


@pytest.mark.parametrize("plan", plans_in_seed())
def test_plan_structure_matches_the_seed_file(plan):
    found = db_plan(plan)
    assert (found.start_year, found.end_year) == (plan["start_year"], plan["end_year"])
    assert [p.name for p in found.perspectives] == [p["name"] for p in plan["perspectives"]]
    for p_yaml, p_db in zip(plan["perspectives"], found.perspectives, strict=True):
        assert [g.name for g in p_db.goals] == [g["name"] for g in p_yaml.get("goals") or []]
        for g_yaml, g_db in zip(p_yaml.get("goals") or [], p_db.goals, strict=True):
            assert [s.name for s in g_db.success_factors] == \
                [s["name"] for s in g_yaml.get("success_factors") or []]


@pytest.mark.parametrize("plan", plans_in_seed())
def test_plan_counts_match_the_seed_file(plan):
    found = db_plan(plan)
    goals = [g for p in plan["perspectives"] for g in p.get("goals") or []]
    factors = [s for g in goals for s in g.get("success_factors") or []]
    kpis = list(yaml_kpis(plan))
    count = db.session.scalar
    assert count(select(func.count(Perspective.id)).where(Perspective.plan_id == found.id)) \
        == len(plan["perspectives"])
    assert count(select(func.count(StrategicGoal.id)).join(Perspective)
                 .where(Perspective.plan_id == found.id)) == len(goals)
    assert count(select(func.count(SuccessFactor.id)).join(StrategicGoal).join(Perspective)
                 .where(Perspective.plan_id == found.id)) == len(factors)
    assert count(select(func.count(Kpi.id)).where(Kpi.plan_id == found.id)) == len(kpis)


@pytest.mark.parametrize("plan", plans_in_seed())
def test_kpis_match_the_seed_file(plan):
    found = {k.name: k for k in db.session.scalars(
        select(Kpi).where(Kpi.plan_id == db_plan(plan).id))}
    assert len(found) == len(list(yaml_kpis(plan)))  # names are unique within a plan
    for k, factor in yaml_kpis(plan):
        kpi = found[k["name"]]
        assert (kpi.success_factor.name if kpi.success_factor else None) == factor
        assert kpi.follow_up == list(k.get("follow_up") or [])
        assert kpi.targets == {str(y): str(t) for y, t in (k.get("targets") or {}).items()}
        assert kpi.baseline == (None if k.get("baseline") is None else str(k["baseline"]))
        assert [(str(o.period), o.total, o.women, o.men) for o in kpi.outcomes] == [
            (str(o["period"]), o.get("total"), o.get("women"), o.get("men"))
            for o in k.get("outcomes") or []]
        assert all(isinstance(o.period, Period) for o in kpi.outcomes)


# The perspectives as DOMAIN.md reads them from the documents.
DOCUMENT_PERSPECTIVES = {
    "NLL-RS": ["Samhäll", "Medborgar", "Verksamhet", "Medarbetar", "Ekonomi"],  # 000, 001
    "ORE-HSN": ["Invånare och samhälle", "Process", "Resurs"],  # 002
    "SRM-PV": ["Medborgarperspektivet", "Verksamhetsperspektivet", "Resursperspektivet"],  # 004
}


@pytest.mark.parametrize(("code", "prefixes"), DOCUMENT_PERSPECTIVES.items())
def test_perspectives_are_those_of_the_documents(code, prefixes):
    plan = db.session.scalar(select(Plan).where(Plan.unit_id == unit(code).id))
    names = [p.name for p in plan.perspectives]
    assert len(names) == len(prefixes)
    assert all(n.startswith(p) for n, p in zip(names, prefixes, strict=True)), names


def test_norrbotten_plan_has_the_17_success_factors_of_001():
    """001 "Framgångsfaktorer och styrmått": 17 success factors in Regionstyrelsens plan."""
    plan = db.session.scalar(select(Plan).where(Plan.unit_id == unit("NLL-RS").id))
    assert sum(len(g.success_factors) for p in plan.perspectives for g in p.goals) == 17


# -- the demo users ------------------------------------------------------------------------
@pytest.mark.parametrize("entry", load_yaml("users.yaml")["users"], ids=lambda u: u["email"])
def test_demo_users_have_their_roles(entry):
    u = user(entry["email"])
    assert u.active and u.name == entry["name"]
    assert verify_password(u.password_hash, DEMO_PASSWORD)
    assert sorted((a.role, a.unit.code) for a in assignments_of(entry["email"])) == \
        sorted((r["role"], r["unit"]) for r in entry["roles"])


def test_one_demo_user_per_role_and_region():
    roles = {(r["role"], r["unit"].split("-")[0])
             for u in load_yaml("users.yaml")["users"] for r in u["roles"]}
    regions = {load_yaml(f)["organisation"]["code"] for f in ORG_FILES}
    assert roles >= {(role, region) for role in ("admin", "coordinator", "owner", "board")
                     for region in regions}
