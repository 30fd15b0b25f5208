"""Who may open which page: every role × every page registered in the app.

Expected outcomes: 200; LOGIN (302 to the sign-in page); START (302 to the start
page); 403 (the role may not do this at all); 404 (the object lies outside the
user's organisation or subtree, or does not exist).

A new page must be added to PAGES (and a new POST-only action to ACTIONS):
``test_every_endpoint_is_in_the_matrix`` fails until it is. Every page of PAGES is also
read as every role with the statements captured: a GET never writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import current_app
from sqlalchemy import select

from riskreg.extensions import db
from riskreg.models import Kpi, Measure, Perspective, Plan, Risk, RoleAssignment
from tests.conftest import ROLES, assignments_of, location_path, unit, user

LOGIN, START = "302 to /login", "302 to /"
SIGNED_IN = [r for r in ROLES if r != "anonymous"]
ADMINS = ("admin", "admin_ls1", "admin_sormland")
NOT_ADMINS = [r for r in SIGNED_IN if r not in ADMINS]


def expect(default=None, **by_role) -> dict[str, object]:
    """Expected outcome per role; roles not named get ``default``."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    return {role: by_role.get(role, default) for role in ROLES}


def everyone(outcome) -> dict[str, object]:
    return expect(outcome)


def signed_in(outcome) -> dict[str, object]:
    return expect(outcome, anonymous=LOGIN)


def admin_page(default=200, **admins) -> dict[str, object]:
    """An administration page: anonymous → sign in, non-admins → 403, administrators get
    ``default`` unless named."""
    return {**expect(403, anonymous=LOGIN), **{a: admins.get(a, default) for a in ADMINS}}


@dataclass(frozen=True)
class Page:
    endpoint: str
    url: str  # {unit:CODE}, {user:EMAIL} and {assignment:EMAIL} are looked up
    expected: dict[str, object]

    @property
    def id(self) -> str:
        return self.url


def nll_rs_reader(default, **others) -> dict[str, object]:
    """An object of Regionstyrelsen (NLL-RS): roles on NLL or NLL-RS read it (``default``
    unless named); users of NLL-LS1 (beneath it, not above) and of Sörmland get 404."""
    readers = {"admin": default, "coordinator": default, "owner": default, "board": default}
    return expect(404, **{"anonymous": LOGIN, **readers, **others})


# Regionstyrelsen's plan: its coordinator edits it; other Norrbotten users read it (403),
# Sörmland's do not see it (404).
NLL_PLAN_EDIT = expect(403, anonymous=LOGIN, coordinator=200, admin_sormland=404,
                       coordinator_sormland=404)

# Internal control: Regionstyrelsen's 2022 plan, its control 2 and that control's demo run
IC_PLAN = "{icplan:NLL-RS:2022}"
IC_CONTROL = "{control:NLL-RS:2022:2}"
IC_RUN = "{icrun:NLL-RS:2022:2:NLL-RS:2022-T1}"

NLL_OWNER = "riskagare@norrbotten.example"  # owner on NLL-RS
LS1_OWNER = "riskagare.ls1@norrbotten.example"  # owner on NLL-LS1
SRM_OWNER = "riskagare@sormland.example"  # owner on SRM-PV

PAGES = [
    Page("main.index", "/", signed_in(200)),
    # Probes (riskreg/ops/health.py): public, no data. The suite's schema comes from
    # create_all(), not Alembic, so /readyz rightly reports the migrations as not at head.
    Page("ops.healthz", "/healthz", everyone(200)),
    Page("ops.readyz", "/readyz", everyone(503)),
    Page("auth.login", "/login", expect(START, anonymous=200)),
    Page("auth.profile", "/profile", signed_in(200)),
    Page("admin.index", "/admin/", admin_page()),
    Page("admin.unit_new", "/admin/units/new", admin_page()),
    Page("admin.unit_new", "/admin/units/new?parent={unit:NLL-LS1}", admin_page()),
    Page("admin.unit_edit", "/admin/units/{unit:NLL-LS1-IMED}", admin_page(admin_sormland=404)),
    Page("admin.unit_edit", "/admin/units/{unit:NLL-NARA}",
         admin_page(admin_ls1=404, admin_sormland=404)),
    Page("admin.unit_edit", "/admin/units/{unit:NLL}",
         admin_page(admin_ls1=404, admin_sormland=404)),
    Page("admin.unit_edit", "/admin/units/{unit:SRM-PV}", admin_page(admin=404, admin_ls1=404)),
    Page("admin.unit_edit", f"/admin/units/{2**31 - 1}", admin_page(404)),  # no such unit
    Page("admin.users", "/admin/users", admin_page()),
    Page("admin.user_new", "/admin/users/new", admin_page()),
    Page("admin.user_detail", f"/admin/users/{{user:{LS1_OWNER}}}",
         admin_page(admin_sormland=404)),
    Page("admin.user_detail", f"/admin/users/{{user:{NLL_OWNER}}}",
         admin_page(admin_ls1=404, admin_sormland=404)),
    Page("admin.user_detail", f"/admin/users/{{user:{SRM_OWNER}}}",
         admin_page(admin=404, admin_ls1=404)),
    Page("admin.scale", "/admin/scale/{unit:NLL}", admin_page(admin_ls1=404, admin_sormland=404)),
    Page("admin.scale", "/admin/scale/{unit:SRM}", admin_page(admin=404, admin_ls1=404)),
    Page("admin.scale", "/admin/scale/{unit:NLL-LS1}",  # not an organisation: no scale of its own
         admin_page(admin=404, admin_ls1=404, admin_sormland=404)),
    # -- the risk register (issue 4) ------------------------------------------------
    Page("risks.index", "/risks/", signed_in(200)),
    Page("risks.detail", "/risks/{risk:NLL-RS:3}", nll_rs_reader(200)),
    Page("risks.detail", "/risks/{risk:SRM-PV:2}",
         expect(404, anonymous=LOGIN, admin_sormland=200, coordinator_sormland=200)),
    Page("risks.edit", "/risks/{risk:NLL-RS:3}/edit",
         nll_rs_reader(403, coordinator=200, owner=200)),
    Page("risks.assess", "/risks/{risk:NLL-RS:3}/assess",
         nll_rs_reader(403, coordinator=200, owner=200)),
    Page("risks.reassign", "/risks/{risk:NLL-RS:3}/owner", nll_rs_reader(403, coordinator=200)),
    Page("risks.archive", "/risks/{risk:NLL-RS:3}/archive", nll_rs_reader(403, coordinator=200)),
    Page("risks.new", "/risks/new",  # coordinators pick a unit first
         expect(403, anonymous=LOGIN, coordinator=200, coordinator_ls1=200,
                coordinator_sormland=200)),
    Page("risks.new", "/risks/new?unit={unit:NLL-RS}",
         expect(403, anonymous=LOGIN, coordinator=200, coordinator_ls1=404,
                coordinator_sormland=404)),
    # -- heat maps and the board view (issue 5) ----------------------------------------
    Page("heatmaps.index", "/heatmaps/", signed_in(200)),
    Page("heatmaps.index", "/heatmaps/?unit={unit:NLL-RS}&period=2022-T1", nll_rs_reader(200)),
    Page("heatmaps.index", "/heatmaps/?unit={unit:SRM-PV}",
         expect(404, anonymous=LOGIN, admin_sormland=200, coordinator_sormland=200)),
    Page("heatmaps.board", "/board/", signed_in(200)),
    # -- the board pack (issue 12): board reviewers and coordinators of the unit (or above
    # it); others who read the unit 403; out of reach 404. Without unit=: the user's
    # highest unit.
    Page("boardpack.html", "/board/pack",
         expect(403, anonymous=LOGIN, board=200, coordinator=200, coordinator_ls1=200,
                coordinator_sormland=200)),
    Page("boardpack.html", "/board/pack?unit={unit:NLL-RS}&period=2022-T2&meeting=2022-09-20",
         nll_rs_reader(403, board=200, coordinator=200)),
    Page("boardpack.html", "/board/pack?unit={unit:SRM-PV}&period=2024-T1",
         expect(404, anonymous=LOGIN, admin_sormland=403, coordinator_sormland=200)),
    Page("boardpack.pdf", "/board/pack.pdf?unit={unit:NLL-LS1}&period=2022-T2",
         expect(404, anonymous=LOGIN, admin=403, owner=403, owner_ls1=403, admin_ls1=403,
                board=200, coordinator=200, coordinator_ls1=200)),
    # -- the read-only API ---------------------------------------------------------------
    Page("api.units", "/api/v1/units", expect(200, anonymous=401)),
    Page("api.risks", "/api/v1/risks", expect(200, anonymous=401)),
    Page("api.risks", "/api/v1/risks?unit={unit:NLL-RS}", nll_rs_reader(200, anonymous=401)),
    Page("api.heatmap", "/api/v1/heatmap", expect(200, anonymous=401)),
    Page("api.heatmap", "/api/v1/heatmap?unit={unit:NLL-RS}&period=2022-T1",
         nll_rs_reader(200, anonymous=401)),
    # -- measures (issue 10): 101 is an NLL-RS assignment (003) whose responsible is the
    # NLL-RS owner; 7 is a measure of Division Länssjukvård 1 (000)
    Page("measures.index", "/measures/", signed_in(200)),
    Page("measures.index", "/measures/?unit={unit:NLL-LS1}&period=2022-T1&status=none",
         expect(404, anonymous=LOGIN, admin=200, coordinator=200, owner=200, board=200,
                owner_ls1=200, coordinator_ls1=200, admin_ls1=200)),
    Page("measures.detail", "/measures/{measure:NLL-RS:101}", nll_rs_reader(200)),
    Page("measures.detail", "/measures/{measure:NLL-RS:7}",
         expect(404, anonymous=LOGIN, admin=200, coordinator=200, owner=200, board=200,
                owner_ls1=200, coordinator_ls1=200, admin_ls1=200)),
    Page("measures.edit", "/measures/{measure:NLL-RS:101}/edit",
         nll_rs_reader(403, coordinator=200)),
    Page("measures.edit", "/measures/{measure:NLL-RS:7}/edit",
         expect(404, anonymous=LOGIN, admin=403, coordinator=200, owner=403, board=403,
                owner_ls1=403, coordinator_ls1=200, admin_ls1=403)),
    Page("measures.link", "/measures/{measure:NLL-RS:101}/risks",
         nll_rs_reader(403, coordinator=200)),
    Page("measures.follow_up", "/measures/{measure:NLL-RS:101}/follow-up",
         nll_rs_reader(403, coordinator=200, owner=200)),
    Page("measures.follow_up", "/measures/{measure:NLL-RS:7}/follow-up",
         expect(404, anonymous=LOGIN, admin=403, coordinator=200, owner=403, board=403,
                owner_ls1=200, coordinator_ls1=200, admin_ls1=403)),
    Page("measures.close", "/measures/{measure:NLL-RS:101}/close",
         nll_rs_reader(403, coordinator=200)),
    Page("measures.new", "/measures/new",
         expect(403, anonymous=LOGIN, coordinator=200, coordinator_ls1=200,
                coordinator_sormland=200)),
    Page("measures.new", "/measures/new?unit={unit:NLL-RS}",
         expect(403, anonymous=LOGIN, coordinator=200, coordinator_ls1=404,
                coordinator_sormland=404)),
    Page("measures.report", "/measures/report", signed_in(200)),
    Page("measures.report", "/measures/report?unit={unit:NLL-LS1}&period=2022-T1",
         expect(404, anonymous=LOGIN, admin=200, coordinator=200, owner=200, board=200,
                owner_ls1=200, coordinator_ls1=200, admin_ls1=200)),
    Page("measures.report", "/measures/report?unit={unit:NLL-RS}&period=2017-T1&layout=issues",
         nll_rs_reader(200)),
    Page("measures.statuses", "/measures/statuses/{unit:NLL}",
         admin_page(admin_ls1=404, admin_sormland=404)),
    Page("measures.statuses", "/measures/statuses/{unit:NLL-LS1}",
         admin_page(admin=404, admin_ls1=404, admin_sormland=404)),
    Page("api.measures", "/api/v1/measures", expect(200, anonymous=401)),
    Page("api.measures", "/api/v1/measures?unit={unit:NLL-RS}&period=2022-T1",
         nll_rs_reader(200, anonymous=401)),
    Page("api.findings", "/api/v1/findings", expect(200, anonymous=401)),
    Page("api.findings", "/api/v1/findings?unit={unit:NLL-RS}&period=2022-T1",
         nll_rs_reader(200, anonymous=401)),
    # -- KPI follow-up (issue 10): the plan's KPIs are read from its unit and every unit
    # beneath (LS1 follows up Regionstyrelsen's plan); coordinators above edit and record.
    Page("kpis.table", "/kpis/", signed_in(200)),
    Page("kpis.table", "/kpis/?unit={unit:NLL-LS1}&period=2022-T1",
         expect(200, anonymous=LOGIN, admin_sormland=404, coordinator_sormland=404)),
    Page("kpis.table", "/kpis/?unit={unit:SRM-PV}",
         expect(404, anonymous=LOGIN, admin_sormland=200, coordinator_sormland=200)),
    Page("kpis.plan", "/kpis/plans/{plan:NLL-RS}",
         expect(200, anonymous=LOGIN, admin_sormland=404, coordinator_sormland=404)),
    Page("kpis.plan", "/kpis/plans/{plan:SRM-PV}",
         expect(404, anonymous=LOGIN, admin_sormland=200, coordinator_sormland=200)),
    Page("kpis.plan_new", "/kpis/plans/new",
         expect(403, anonymous=LOGIN, coordinator=200, coordinator_ls1=200,
                coordinator_sormland=200)),
    Page("kpis.node_new", "/kpis/plans/{plan:NLL-RS}/new/perspective", NLL_PLAN_EDIT),
    Page("kpis.node_edit", "/kpis/nodes/perspective/{perspective:NLL-RS}", NLL_PLAN_EDIT),
    Page("kpis.kpi_new", "/kpis/plans/{plan:NLL-RS}/kpis/new", NLL_PLAN_EDIT),
    Page("kpis.detail", "/kpis/{kpi:NLL-RS:Andel digitala}",
         expect(200, anonymous=LOGIN, admin_sormland=404, coordinator_sormland=404)),
    Page("kpis.kpi_edit", "/kpis/{kpi:NLL-RS:Andel digitala}/edit", NLL_PLAN_EDIT),
    Page("kpis.outcome", "/kpis/{kpi:NLL-RS:Andel digitala}/outcome?unit={unit:NLL-LS1}"
         "&period=2022-T1",
         expect(403, anonymous=LOGIN, coordinator=200, coordinator_ls1=200,
                admin_sormland=404, coordinator_sormland=404)),
    Page("api.kpis", "/api/v1/kpis", expect(200, anonymous=401)),
    Page("api.kpis", "/api/v1/kpis?unit={unit:NLL-LS1}&period=2022-T1",
         expect(200, anonymous=401, admin_sormland=404, coordinator_sormland=404)),
    # -- reported periods (issue 11): everyone reads the locks of their units and of the
    # units above them; a lock to reopen is made in tests/pages/test_locks_pages.py
    Page("locks.index", "/locks/", signed_in(200)),
    Page("locks.index", "/locks/?unit={unit:NLL-RS}&period=2022-T1", nll_rs_reader(200)),
    Page("locks.index", "/locks/?unit={unit:SRM-PV}",
         expect(404, anonymous=LOGIN, admin_sormland=200, coordinator_sormland=200)),
    Page("locks.reopen", f"/locks/{2**31 - 1}/reopen", signed_in(404)),
    # -- internal control (issue 11): Regionstyrelsen's adopted 2022 plan; its control 2
    # has a demo run in 2022-T1; Sörmland's plan is Division Primärvård's 2024 plan
    Page("controls.index", "/controls/", signed_in(200)),
    Page("controls.plan_new", "/controls/plans/new",
         expect(403, anonymous=LOGIN, coordinator=200, coordinator_ls1=200,
                coordinator_sormland=200)),
    Page("controls.plan_new", "/controls/plans/new?unit={unit:NLL-RS}",
         expect(403, anonymous=LOGIN, coordinator=200, coordinator_ls1=404,
                coordinator_sormland=404)),
    Page("controls.plan", f"/controls/plans/{IC_PLAN}", nll_rs_reader(200)),
    Page("controls.plan", "/controls/plans/{icplan:SRM-PV:2024}",
         expect(404, anonymous=LOGIN, admin_sormland=200, coordinator_sormland=200)),
    Page("controls.plan_edit", f"/controls/plans/{IC_PLAN}/edit",
         nll_rs_reader(403, coordinator=200)),
    Page("controls.plan_adopt", f"/controls/plans/{IC_PLAN}/adopt", nll_rs_reader(403)),
    Page("controls.plan_follow_up", f"/controls/plans/{IC_PLAN}/follow-up",
         nll_rs_reader(403, coordinator=200)),
    Page("controls.plan_close", f"/controls/plans/{IC_PLAN}/close",
         nll_rs_reader(403, coordinator=200)),
    Page("controls.control_new", f"/controls/plans/{IC_PLAN}/controls/new",
         nll_rs_reader(403, coordinator=200)),
    Page("controls.control", f"/controls/{IC_CONTROL}", nll_rs_reader(200)),
    Page("controls.control_edit", f"/controls/{IC_CONTROL}/edit",
         nll_rs_reader(403, coordinator=200)),
    Page("controls.run_new", f"/controls/{IC_CONTROL}/runs/new",
         nll_rs_reader(403, coordinator=200)),
    Page("controls.run", f"/controls/runs/{IC_RUN}", nll_rs_reader(200)),
    Page("controls.run_redraw", f"/controls/runs/{IC_RUN}/redraw", nll_rs_reader(200)),
    Page("controls.evidence", f"/controls/evidence/{2**31 - 1}", signed_in(404)),
    Page("controls.dashboard", "/controls/dashboard", signed_in(200)),
    Page("controls.dashboard", "/controls/dashboard?unit={unit:NLL-RS}&period=2022-T1",
         nll_rs_reader(200)),
    Page("controls.report", f"/controls/plans/{IC_PLAN}/report?period=2022-T1",
         nll_rs_reader(200)),
    Page("controls.report", "/controls/plans/{icplan:SRM-PV:2024}/report?period=2024-T2",
         expect(404, anonymous=LOGIN, admin_sormland=200, coordinator_sormland=200)),
    Page("api.controls", "/api/v1/controls", expect(200, anonymous=401)),
    Page("api.controls", "/api/v1/controls?unit={unit:NLL-RS}&include_subunits=false",
         nll_rs_reader(200, anonymous=401)),
    Page("api.control_runs", "/api/v1/control-runs", expect(200, anonymous=401)),
    Page("api.control_runs", "/api/v1/control-runs?unit={unit:NLL-RS}&period=2022-T1",
         nll_rs_reader(200, anonymous=401)),
    # -- spreadsheets (issue 12): exports are read like the pages they come from; importing
    # is for coordinators (into units they manage); a job or a stash is its maker's only.
    Page("reports.risks", "/xlsx/risks.xlsx", signed_in(200)),
    Page("reports.risks", "/xlsx/risks.xlsx?layout=success_factor&band=H%C3%B6g",
         signed_in(200)),
    Page("reports.risks", "/xlsx/risks.xlsx?layout=unit&unit={unit:SRM-PV}",
         expect(400, anonymous=LOGIN, admin_sormland=200, coordinator_sormland=200)),
    Page("reports.measures", "/xlsx/measures.xlsx", signed_in(200)),
    Page("reports.measures", "/xlsx/measures.xlsx?unit={unit:SRM-PV}",
         expect(404, anonymous=LOGIN, admin_sormland=200, coordinator_sormland=200)),
    Page("reports.kpis", "/xlsx/kpis.xlsx", signed_in(200)),
    Page("reports.kpis", "/xlsx/kpis.xlsx?unit={unit:NLL-RS}&period=2022-T1",
         nll_rs_reader(200)),
    Page("reports.matrix", "/xlsx/matrix.xlsx", signed_in(200)),
    Page("reports.matrix", "/xlsx/matrix.xlsx?unit={unit:SRM-PV}",
         expect(404, anonymous=LOGIN, admin_sormland=200, coordinator_sormland=200)),
    # internal control as Excel: read exactly like the plan, report and run pages
    Page("reports.control_plan", f"/xlsx/controls/plans/{IC_PLAN}.xlsx", nll_rs_reader(200)),
    Page("reports.control_plan", "/xlsx/controls/plans/{icplan:SRM-PV:2024}.xlsx",
         expect(404, anonymous=LOGIN, admin_sormland=200, coordinator_sormland=200)),
    Page("reports.control_plan", f"/xlsx/controls/plans/{2**31 - 1}.xlsx", signed_in(404)),
    Page("reports.control_report", f"/xlsx/controls/plans/{IC_PLAN}/report.xlsx?period=2022-T1",
         nll_rs_reader(200)),
    Page("reports.control_report",
         "/xlsx/controls/plans/{icplan:SRM-PV:2024}/report.xlsx?period=2024-T2",
         expect(404, anonymous=LOGIN, admin_sormland=200, coordinator_sormland=200)),
    Page("reports.control_run", f"/xlsx/controls/runs/{IC_RUN}.xlsx", nll_rs_reader(200)),
    Page("reports.control_run", f"/xlsx/controls/runs/{2**31 - 1}.xlsx", signed_in(404)),
    Page("reports.job", f"/xlsx/jobs/{'A' * 32}", signed_in(404)),
    Page("reports.job_file", f"/xlsx/jobs/{'A' * 32}/file", signed_in(404)),
    Page("reports.upload", "/xlsx/import",
         expect(403, anonymous=LOGIN, coordinator=200, coordinator_ls1=200,
                coordinator_sormland=200)),
    Page("reports.confirm", f"/xlsx/import/{'A' * 32}",
         expect(403, anonymous=LOGIN, coordinator=404, coordinator_ls1=404,
                coordinator_sormland=404)),
    Page("vendor.plotly", "/vendor/plotly.min.js", everyone(200)),
    Page("vendor.plotly_css", "/vendor/plotly.css", everyone(200)),
]

# POST-only actions: (endpoint, url, form data, expected per role). Successful ones redirect.
ACTIONS = [
    Page("main.set_language", "/language/en", everyone(302)),
    Page("auth.logout", "/logout", everyone(302)),
    Page("admin.user_active", f"/admin/users/{{user:{LS1_OWNER}}}/active",
         admin_page(302, admin_sormland=404)),
    Page("admin.user_active", f"/admin/users/{{user:{SRM_OWNER}}}/active",
         admin_page(admin=404, admin_ls1=404, admin_sormland=302)),
    Page("admin.assignment_delete", f"/admin/assignments/{{assignment:{LS1_OWNER}}}/delete",
         admin_page(302, admin_sormland=404)),
    Page("admin.assignment_delete", f"/admin/assignments/{{assignment:{NLL_OWNER}}}/delete",
         admin_page(302, admin_ls1=404, admin_sormland=404)),
    Page("api.token_create", "/api/v1/tokens", signed_in(302)),
    Page("api.token_revoke", f"/api/v1/tokens/{2**31 - 1}/revoke", signed_in(404)),
    # no measure chosen: refused on the list page with a message (a redirect back)
    Page("measures.carry_forward", "/measures/carry-forward", signed_in(302)),
    # no risk chosen: the coordinator's form error (400); the rule decides before that
    Page("kpis.link", "/kpis/{kpi:NLL-RS:Andel digitala}/links",
         {**NLL_PLAN_EDIT, "coordinator": 400, "anonymous": LOGIN}),
    Page("kpis.unlink", "/kpis/{kpi:NLL-RS:Andel digitala}/links/{risk:NLL-RS:7}/delete",
         {**NLL_PLAN_EDIT, "coordinator": 302, "anonymous": LOGIN}),
    # no file chosen: the coordinator's form error on the run page (400)
    Page("controls.evidence_add", f"/controls/runs/{IC_RUN}/evidence",
         nll_rs_reader(403, coordinator=400)),
    Page("controls.evidence_delete", f"/controls/evidence/{2**31 - 1}/delete", signed_in(404)),
    Page("controls.item_measure", f"/controls/items/{2**31 - 1}/measure", signed_in(404)),
]
ACTION_DATA = {"admin.user_active": {"active": "0"}, "api.token_create": {"name": "matrix"},
               "measures.carry_forward": {"period": "2022-T1"}}

_PLACEHOLDER = re.compile(
    r"\{(unit|user|assignment|risk|measure|plan|kpi|perspective|icplan|control|icrun)"
    r":([^}]+)\}")


def resolve(url: str) -> str:
    def _id(match: re.Match) -> str:
        kind, key = match.groups()
        if kind == "unit":
            return str(unit(key).id)
        if kind == "user":
            return str(user(key).id)
        if kind == "plan":  # {plan:PLAN-UNIT-CODE}
            return str(db.session.scalar(select(Plan.id).where(Plan.unit_id == unit(key).id)))
        if kind == "perspective":  # {perspective:PLAN-UNIT-CODE}: the plan's first
            return str(db.session.scalar(
                select(Perspective.id).join(Plan, Plan.id == Perspective.plan_id)
                .where(Plan.unit_id == unit(key).id).order_by(Perspective.position).limit(1)))
        if kind == "kpi":  # {kpi:PLAN-UNIT-CODE:start of its name}
            code, start = key.split(":", 1)
            return str(db.session.scalar(
                select(Kpi.id).join(Plan, Plan.id == Kpi.plan_id)
                .where(Plan.unit_id == unit(code).id, Kpi.name.startswith(start))))
        if kind == "risk":  # {risk:PLAN-UNIT-CODE:NUMBER}
            code, number = key.rsplit(":", 1)
            return str(db.session.scalar(
                select(Risk.id).join(Plan, Plan.id == Risk.plan_id)
                .where(Plan.unit_id == unit(code).id, Risk.number == int(number))))
        if kind in ("icplan", "control", "icrun"):
            return str(_internal_control(kind, key))
        if kind == "measure":  # {measure:PLAN-UNIT-CODE:NUMBER}
            code, number = key.rsplit(":", 1)
            return str(db.session.scalar(
                select(Measure.id).join(Plan, Plan.id == Measure.plan_id)
                .where(Plan.unit_id == unit(code).id, Measure.number == int(number))))
        return str(assignments_of(key)[0].id)

    return _PLACEHOLDER.sub(_id, url)


def _internal_control(kind: str, key: str) -> int:
    """{icplan:UNIT:YEAR}, {control:UNIT:YEAR:NUMBER}, {icrun:UNIT:YEAR:NUMBER:RUN-UNIT:PERIOD}"""
    from tests.helpers import controls

    parts = key.split(":")
    if kind == "icplan":
        return controls.plan(parts[0], int(parts[1])).id
    if kind == "control":
        return controls.control(int(parts[2]), parts[0], int(parts[1])).id
    return controls.run(int(parts[2]), parts[3], parts[4], parts[0], int(parts[1])).id


def check(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302 and location_path(response) == "/login"
    elif expected == START:
        assert response.status_code == 302 and location_path(response) == "/"
    else:
        assert response.status_code == expected
    assert response.status_code != 500


def cases(pages: list[Page]):
    return [pytest.param(role, page, page.expected[role], id=f"{role}:{page.id}")
            for page in pages for role in ROLES]


@pytest.mark.parametrize(("role", "page", "expected"), cases(PAGES))
def test_page_access(as_role, role, page, expected):
    c = as_role(role)
    url = resolve(page.url)
    adapter = current_app.url_map.bind("localhost")
    assert adapter.match(url.split("?")[0], method="GET")[0] == page.endpoint
    check(c.get(url), expected)


@pytest.mark.parametrize(("role", "page", "expected"), cases(PAGES))
def test_reading_a_page_writes_nothing(as_role, statement_log, role, page, expected):
    """Every GET of the matrix, as every role: not one INSERT, UPDATE or DELETE is sent
    (whatever the answer), so no read can change the register, not even one that the
    unit of work would roll back."""
    c = as_role(role)
    url = resolve(page.url)
    with statement_log() as log:
        response = c.get(url)
    check(response, expected)
    assert log.writes == [], f"GET {url} as {role} wrote: {log.writes}"


@pytest.mark.parametrize(("role", "page", "expected"), cases(ACTIONS))
def test_action_access(as_role, role, page, expected):
    c = as_role(role)
    for email in re.findall(r"\{assignment:([^}]+)\}", page.url):
        # a second role, so that removing the first is allowed
        target = assignments_of(email)[0]
        db.session.add(RoleAssignment(user_id=target.user_id, role="board",
                                      unit_id=target.unit_id))
        db.session.commit()
    url = resolve(page.url)
    assert current_app.url_map.bind("localhost").match(url, method="POST")[0] == page.endpoint
    token = c.csrf_token()
    check(c.post(url, data={**ACTION_DATA.get(page.endpoint, {}), "csrf_token": token}),
          expected)


@pytest.mark.parametrize("page", [p for p in ACTIONS if p.endpoint.startswith("admin.")],
                         ids=lambda p: p.id)
def test_actions_need_csrf(admin, page):
    before = db.session.scalars(select(RoleAssignment.id)).all()
    response = admin.post(resolve(page.url), data=ACTION_DATA.get(page.endpoint, {}))
    assert response.status_code in (400, 404)
    assert db.session.scalars(select(RoleAssignment.id)).all() == before
    assert all(u.active for u in [user(LS1_OWNER), user(SRM_OWNER)])


def test_every_role_has_an_expectation():
    for page in PAGES + ACTIONS:
        assert set(page.expected) == set(ROLES), page.url
        assert None not in page.expected.values(), page.url


def test_every_endpoint_is_in_the_matrix(app):
    """Fails when a page is added without saying who may open it."""
    get_endpoints, post_only = set(), set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        if "GET" in rule.methods:
            get_endpoints.add(rule.endpoint)
        elif "POST" in rule.methods:
            post_only.add(rule.endpoint)
    assert get_endpoints - {p.endpoint for p in PAGES} == set(), "GET pages missing from PAGES"
    assert post_only - {p.endpoint for p in ACTIONS} == set(), "POST actions missing from ACTIONS"


def test_every_role_is_refused_something():
    """The matrix would prove little if some role could open everything."""
    for role in ROLES:
        outcomes = {p.expected[role] for p in PAGES}
        assert outcomes - {200}, role
