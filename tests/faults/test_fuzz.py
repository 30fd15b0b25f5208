"""Hypothesis fuzz over every form and every query parameter: never a 5xx.

* Forms: every endpoint that accepts POST (taken from the app's url_map; a new one fails
  ``test_every_post_endpoint_is_fuzzed`` until it is listed in FORMS) is posted as a role
  that may use it, with a valid CSRF token, the form's fields as the page shows them
  (found by parsing the page, not listed here) filled with generated values: the page's
  own values and choices, text with control characters, very long strings, unicode,
  numbers (negative, huge, not numbers), empty; fields left out and unknown fields added.
* Query parameters: the parameters each page and API endpoint reads are found by
  recording what the view asked ``request.args`` for, then generated the same way
  (repeated, malformed percent-encoding, unknown names).

Through the Flask test client on the pass's database (fast). Every example runs in a
savepoint rolled back after it, with the session cookie put back, so examples do not
depend on each other. Hypothesis is derandomized (the same examples in every run, no
example database), ``FUZZ_EXAMPLES`` per form or page (env RISKREG_FUZZ_EXAMPLES), so the
whole fuzz stays near a minute per database.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import pytest
from flask import Request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from riskreg.api import tokens
from riskreg.domain.periods import Period
from riskreg.extensions import db, limiter
from riskreg.locks import services as lock_services
from riskreg.models import RoleAssignment
from riskreg.seed import DEMO_PASSWORD
from riskreg.uow import transaction
from tests.conftest import DEMO_USERS, _test_connection, assignments_of, unit, user
from tests.faults.htmlforms import HtmlForm, form_posting_to
from tests.helpers.xlsx import stash_of
from tests.pages.test_access_matrix import LS1_OWNER, resolve

pytestmark = pytest.mark.slow

FUZZ_EXAMPLES = int(os.environ.get("RISKREG_FUZZ_EXAMPLES", "30"))
FUZZ_SETTINGS = settings(
    max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=list(HealthCheck), print_blob=True)


# -- what is fuzzed -------------------------------------------------------------------------
@dataclass(frozen=True)
class Form:
    """A POST endpoint, posted by ``role`` to ``url`` with the form found on ``page``."""

    endpoint: str
    role: str
    url: str  # placeholders as in the access matrix, and {token:ROLE}
    page: str | None = None  # the page carrying the form (default: url)
    # What a user types into the empty fields (FIRST: the first choice that is not empty),
    # so that the examples start from a form that would be saved.
    fill: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        return f"{self.role}:{self.endpoint}"


RISK = "/risks/{risk:NLL-RS:3}"
MEASURE = "/measures/{measure:NLL-RS:101}"
KPI = "/kpis/{kpi:NLL-RS:Andel digitala}"
IC_PLAN = "/controls/plans/{icplan:NLL-RS:2022}"
IC_CONTROL = "/controls/{control:NLL-RS:2022:2}"
SRM_RUN = "/controls/runs/{icrun:SRM-PV:2024:5:SRM-PV-LINDEN:2024-T2}"
FIRST = "<first choice>"
NEW_PASSWORD = (("password", "a-long-enough-password"), ("confirm", "a-long-enough-password"))
LS1_OWNER_PAGE = f"/admin/users/{{user:{LS1_OWNER}}}"
FORMS = [
    Form("auth.login", "anonymous", "/login",
         fill=(("email", DEMO_USERS["owner"]), ("password", DEMO_PASSWORD))),
    Form("auth.logout", "coordinator", "/logout", page="/"),
    Form("main.set_language", "coordinator", "/language/en", page="/"),
    Form("main.set_language", "anonymous", "/language/en", page="/login"),
    Form("auth.profile", "coordinator", "/profile",
         fill=(("current", DEMO_PASSWORD), *NEW_PASSWORD)),
    Form("admin.unit_new", "admin", "/admin/units/new",
         fill=(("code", "NLL-FUZZ"), ("name", "Fuzzenheten"))),
    Form("admin.unit_edit", "admin", "/admin/units/{unit:NLL-LS1-IMED}"),
    Form("admin.user_new", "admin", "/admin/users/new",
         fill=(("email", "fuzz@norrbotten.example"), ("name", "Fuzz Fuzzson"), *NEW_PASSWORD)),
    Form("admin.user_detail", "admin", LS1_OWNER_PAGE),
    Form("admin.assignment_delete", "admin",
         f"/admin/assignments/{{assignment:{LS1_OWNER}}}/delete", page=LS1_OWNER_PAGE),
    Form("admin.user_active", "admin", f"{LS1_OWNER_PAGE}/active", page=LS1_OWNER_PAGE),
    Form("admin.scale", "admin", "/admin/scale/{unit:NLL}"),
    Form("risks.new", "coordinator", "/risks/new?unit={unit:NLL-RS}",
         fill=(("kind", "unit"), ("owner_id", FIRST), ("title", "Fuzzrisken"),
               ("event", "Fuzzrisken"))),
    Form("risks.edit", "coordinator", f"{RISK}/edit"),
    Form("risks.edit", "owner", f"{RISK}/edit"),
    Form("risks.assess", "coordinator", f"{RISK}/assess"),
    Form("risks.assess", "owner", f"{RISK}/assess"),
    Form("risks.reassign", "coordinator", f"{RISK}/owner"),
    Form("risks.archive", "coordinator", f"{RISK}/archive", fill=(("reason", "Fuzz"),)),
    Form("api.token_create", "coordinator", "/api/v1/tokens", page="/profile"),
    Form("api.token_revoke", "coordinator", "/api/v1/tokens/{token:coordinator}/revoke",
         page="/profile"),
    # measures (issue 10): 101 is an NLL-RS measure whose responsible is the NLL-RS owner
    Form("measures.new", "coordinator", "/measures/new?unit={unit:NLL-RS}",
         fill=(("title", "Fuzzåtgärden"),)),
    Form("measures.edit", "coordinator", f"{MEASURE}/edit"),
    Form("measures.link", "coordinator", f"{MEASURE}/risks"),
    Form("measures.follow_up", "owner", f"{MEASURE}/follow-up"),
    Form("measures.follow_up", "coordinator", f"{MEASURE}/follow-up"),
    Form("measures.close", "coordinator", f"{MEASURE}/close", fill=(("reason", "Fuzz"),)),
    Form("measures.carry_forward", "coordinator", "/measures/carry-forward",
         page="/measures/?unit={unit:NLL-RS}"),
    Form("measures.statuses", "admin", "/measures/statuses/{unit:NLL}"),
    # KPIs and the plan structure (issue 10)
    Form("kpis.plan_new", "coordinator", "/kpis/plans/new", fill=(("name", "Fuzzplanen"),)),
    Form("kpis.node_new", "coordinator", "/kpis/plans/{plan:NLL-RS}/new/perspective",
         fill=(("name", "Fuzzperspektivet"),)),
    Form("kpis.node_edit", "coordinator", "/kpis/nodes/perspective/{perspective:NLL-RS}"),
    Form("kpis.kpi_new", "coordinator", "/kpis/plans/{plan:NLL-RS}/kpis/new",
         fill=(("name", "Fuzzmåttet"),)),
    Form("kpis.kpi_edit", "coordinator", f"{KPI}/edit"),
    Form("kpis.outcome", "coordinator_ls1",
         f"{KPI}/outcome?unit={{unit:NLL-LS1}}&period=2022-T1"),
    Form("kpis.link", "coordinator", f"{KPI}/links", page=KPI),
    Form("kpis.unlink", "coordinator", f"{KPI}/links/{{risk:NLL-RS:7}}/delete", page=KPI),
    # reported periods (issue 11): report one; reopen one reported for the test
    Form("locks.index", "coordinator", "/locks/", fill=(("unit", FIRST),)),
    Form("locks.reopen", "coordinator", "/locks/{lock:NLL-RS:2022-T1}/reopen",
         fill=(("reason", "Fuzz"),)),
    # internal control (issue 11): Regionstyrelsen's adopted 2022 plan and its control 2; a
    # draft plan of Länssjukvård 1 (made for the example); Sörmland's spot check at
    # Vårdcentralen Linden in 2024-T2 (drawn items, a deviation without a measure)
    Form("controls.plan_new", "coordinator", "/controls/plans/new?unit={unit:NLL-RS}",
         fill=(("title", "Fuzzplanen"), ("year", "2023"))),
    Form("controls.plan_edit", "coordinator", f"{IC_PLAN}/edit"),
    Form("controls.plan_adopt", "coordinator", "/controls/plans/{icplan:NLL-LS1:2022}/adopt",
         fill=(("decided_on", "2021-12-01"),)),
    Form("controls.plan_follow_up", "coordinator", f"{IC_PLAN}/follow-up"),
    Form("controls.plan_close", "coordinator", f"{IC_PLAN}/close", fill=(("reason", "Fuzz"),)),
    Form("controls.control_new", "coordinator", f"{IC_PLAN}/controls/new",
         fill=(("title", "Fuzzkontrollen"), ("amendment_reason", "Fuzz"))),
    Form("controls.control_edit", "coordinator", f"{IC_CONTROL}/edit",
         fill=(("amendment_reason", "Fuzz"),)),
    Form("controls.run_new", "coordinator", f"{IC_CONTROL}/runs/new",
         fill=(("items", "F-1\nF-2\nF-3"), ("sample_size", "2"))),
    Form("controls.run", "coordinator_sormland", SRM_RUN),
    Form("controls.evidence_add", "coordinator_sormland", f"{SRM_RUN}/evidence", page=SRM_RUN),
    Form("controls.evidence_delete", "coordinator_sormland",
         "/controls/evidence/{icevidence}/delete", page=SRM_RUN),
    Form("controls.item_measure", "coordinator_sormland", "/controls/items/{icitem}/measure",
         page=SRM_RUN),
    # spreadsheets (issue 12): the upload (a file field sent as text: refused, never a 5xx)
    # and the confirm of a stashed upload, from its preview
    Form("reports.upload", "coordinator", "/xlsx/import"),
    Form("reports.confirm", "coordinator", "/xlsx/import/{stash:coordinator}"),
]

# Pages and API endpoints whose query parameters are fuzzed (as ``role``).
QUERIES = [
    ("coordinator", "/"),
    ("anonymous", "/login"),
    ("coordinator", "/risks/"),
    ("coordinator", RISK),
    ("coordinator", "/risks/new"),
    ("coordinator", "/risks/new?unit={unit:NLL-RS}"),
    ("coordinator", f"{RISK}/assess"),
    ("coordinator", "/heatmaps/"),
    ("board", "/board/"),
    ("board", "/board/pack"),  # (its PDF is the same parsing: not fuzzed, seconds a render)
    ("admin", "/admin/units/new"),
    ("coordinator", "/api/v1/units"),
    ("coordinator", "/api/v1/risks"),
    ("coordinator", "/api/v1/heatmap"),
    ("coordinator", "/measures/"),
    ("coordinator", "/measures/report"),
    ("board", "/kpis/"),
    ("coordinator", "/api/v1/measures"),
    ("coordinator", "/api/v1/findings"),
    ("coordinator", "/api/v1/kpis"),
    ("coordinator", "/locks/"),
    ("owner", "/locks/"),
    ("coordinator", "/controls/dashboard"),
    ("board", "/controls/plans/{icplan:NLL-RS:2022}/report"),
    ("coordinator", "/api/v1/controls"),
    ("coordinator", "/api/v1/control-runs"),
    ("coordinator", "/xlsx/risks.xlsx"),
    ("coordinator", "/xlsx/measures.xlsx"),
    ("coordinator", "/xlsx/matrix.xlsx"),
    ("board", "/xlsx/controls/plans/{icplan:NLL-RS:2022}/report.xlsx"),
    ("board", "/xlsx/controls/plans/{icplan:NLL-RS:2022}.xlsx"),
    ("board", "/xlsx/controls/runs/{icrun:NLL-RS:2022:2:NLL-RS:2022-T1}.xlsx"),
]
# Parameters the recording must find (a check that the recording works).
EXPECTED_PARAMETERS = {
    "/risks/": {"unit", "include_subunits", "kind", "band", "owner", "perspective", "period",
                "q", "sort", "likelihood", "consequence", "page"},
    "/heatmaps/": {"unit", "period", "include_subunits", "compare"},
    "/board/": {"unit", "period", "compare"},
    "/board/pack": {"unit", "period", "compare", "meeting"},
    "/api/v1/risks": {"unit", "period", "include_subunits", "page", "per_page"},
    "/api/v1/heatmap": {"unit", "period", "include_subunits", "compare"},
    "/xlsx/controls/plans/{icplan:NLL-RS:2022}/report.xlsx": {"period"},
}

# -- generated values -------------------------------------------------------------------------
SPECIALS = ["", " ", "\x00", "a\x00b", "\x1b[31m", "\x7f", "\u0085", "\t\r\n", "\u202e",
            "<script>alert(1)</script>", "'; DROP TABLE risk; --", "%00", "../../etc/passwd",
            "Åsa Öberg-Ängström", "😀" * 3, "null", "None", "true", "false", "[]", "{}",
            "2022-T1", "2022-T3", "2099-T1", "1899-T1", "0000-T0", "2022-T9", "2022-t1",
            "previous", "last_year", "none", "-value", "#ff0000", "a; 1; 2; #000000"]
NUMBERS = ["0", "-1", "1", "2", "3", "5", "10", "99999", "100001", "2147483647",
           "2147483648", "-2147483649", "9" * 25, "1e9", "1.5", "-0", "+1", " 7 ", "0x10",
           "NaN", "inf", "١٢", "²"]
PRINTABLE = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=40)
ANY_TEXT = st.text(max_size=40)  # control characters included
LONG = st.builds(lambda ch, n: ch * n, st.sampled_from(["x", "å", "😀", "\n", " "]),
                 st.sampled_from([201, 4001, 20_000, 120_000]))
HUGE_INT = st.integers(-(2**80), 2**80).map(str)
FUZZ = st.one_of(st.sampled_from(SPECIALS), st.sampled_from(NUMBERS), PRINTABLE, PRINTABLE,
                 HUGE_INT, ANY_TEXT, LONG)
EXTRA_NAMES = st.sampled_from(["owner_id", "unit_id", "success_factor_id", "version", "next",
                               "restore", "number", "active", "id", "role", "x\x00y", "é"])


def own_values(form: HtmlForm, name: str) -> list[str]:
    """The page's value of the field and its choices."""
    return [form.values.get(name, "")] + form.options.get(name, [])


def field_value(form: HtmlForm, name: str) -> st.SearchStrategy[str]:
    """The page's own value, one of its choices, or anything."""
    return st.one_of(st.sampled_from(own_values(form, name)), FUZZ)


@st.composite
def form_data(draw, form: HtmlForm) -> list[tuple[str, str]]:
    """The form as the page shows it with one to three fields changed (left out, repeated,
    another of the page's choices; one of them may get anything), sometimes an unknown
    field added: mostly valid around the change, so that the examples get past the first
    check into the services."""
    names = [n for n in form.names if n != "csrf_token"]
    changed = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)
                   ) if names else []
    odd = draw(st.sampled_from([None, *changed]))  # the one that gets any value
    pairs = []
    for name in names:
        if name not in changed:
            pairs.append((name, form.values.get(name, "")))
            continue
        value = field_value(form, name) if name == odd else st.sampled_from(own_values(form, name))
        how = draw(st.sampled_from(["value", "value", "value", "omit", "twice"]))
        if how != "omit":
            pairs.append((name, draw(value)))
        if how == "twice":
            pairs.append((name, draw(value)))
    pairs += draw(st.lists(st.tuples(st.one_of(EXTRA_NAMES, PRINTABLE), FUZZ), max_size=1))
    return pairs


IDS = [str(i) for i in range(1, 13)]
PERIODS = ["2022-T1", "2022-T2", "2021-T3", "2023-T2", "2021-T1"]
PLAUSIBLE = {  # values a page itself would send, per parameter
    "period": PERIODS, "compare": ["previous", "last_year", "none", *PERIODS],
    "include_subunits": ["true", "false", "y", "1", "0", ""], "unit": IDS, "parent": IDS,
    "owner": IDS, "perspective": IDS, "page": ["1", "2", "3"], "per_page": ["1", "50", "200"],
    "sort": ["number", "-value", "value", "unit", "owner", "period"],
    "kind": ["unit", "success_factor"], "band": ["Låg", "Medel", "Hög", "Mycket hög"],
    "likelihood": ["1", "2", "3", "4"], "consequence": ["1", "2", "3", "4"],
    "q": ["risk", "a", "%", "_", "Ö"], "next": ["/risks/", "/", "//evil.example/", "/login"],
    "restore": ["1", "0"],
}


@st.composite
def query_string(draw, names: list[str]) -> str:
    """One to three of the parameters (some repeated) with values a page would send,
    except one that may get anything; sometimes an unknown parameter or broken
    percent-encoding."""
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)
                  ) if names else []
    odd = draw(st.sampled_from([None, *chosen]))  # the one that gets any value
    pairs = []
    for name in chosen:
        plausible = st.sampled_from(PLAUSIBLE.get(name, IDS))
        for _ in range(draw(st.sampled_from([1, 1, 1, 2]))):
            pairs.append((name, draw(st.one_of(plausible, FUZZ) if name == odd else plausible)))
    pairs += draw(st.lists(st.tuples(st.one_of(EXTRA_NAMES, PRINTABLE), FUZZ), max_size=1))
    raw = urlencode(pairs, quote_via=quote)
    junk = draw(st.sampled_from(["", "", "", "", "", "", "&%", "&a=%zz", "&%ff%fe=%c3",
                                 "&&=&", "&q=%E2%80", ";x=1"]))
    return raw + junk


# -- running examples --------------------------------------------------------------------------
@contextmanager
def example(client, cookie: str | None) -> Iterator[None]:
    """One example: its writes rolled back, the client's session cookie and the sign-in
    counters as before."""
    savepoint = _test_connection.current.begin_nested()
    if cookie is not None:
        client.set_cookie("session", cookie)
    limiter.reset()
    try:
        yield
    finally:
        savepoint.rollback()
        db.session.expire_all()


def cookie_of(client) -> str | None:
    found = client.get_cookie("session")
    return found.value if found is not None else None


def no_server_error(response, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code,
                                        response.get_data(as_text=True)[:800])


def resolve_all(url: str) -> str:
    def _token(match: re.Match) -> str:
        owner = user(DEMO_USERS[match.group(1)])
        with transaction():
            token, _secret = tokens.create_token(owner, "fuzz")
        return str(token.id)

    def _lock(match: re.Match) -> str:  # {lock:UNIT:PERIOD}: reported for the test
        code, period = match.group(1), Period.parse(match.group(2))
        with transaction():
            made = lock_services.lock_period(unit(code), period, None, "Fuzz")
        return str(made.id)

    def _stash(match: re.Match) -> str:
        return stash_of(DEMO_USERS[match.group(1)])

    url = re.sub(r"\{lock:([^:}]+):([^}]+)\}", _lock, url)
    url = re.sub(r"\{stash:([^}]+)\}", _stash, url)
    return resolve(re.sub(r"\{token:([^}]+)\}", _token, _internal_control(url)))


def _internal_control(url: str) -> str:
    """{icevidence}: a PDF attached to Sörmland's Linden run for the example; {icitem}: a
    deviation of that run without a measure."""
    from riskreg.controls import services as ic
    from tests.helpers import controls as icl

    if "{icevidence}" in url:
        linden = icl.run(5, "SRM-PV-LINDEN", "2024-T2", "SRM-PV", 2024)
        with transaction():
            ev = ic.add_evidence(user(DEMO_USERS["coordinator_sormland"]), linden,
                                 "underlag.pdf", icl.PDF)
        url = url.replace("{icevidence}", str(ev.id))
    if "{icitem}" in url:
        linden = icl.run(5, "SRM-PV-LINDEN", "2024-T2", "SRM-PV", 2024)
        item = next(i for i in linden.items if i.result == "deviation" and not i.measure_id)
        url = url.replace("{icitem}", str(item.id))
    return url


# -- the form fuzz -----------------------------------------------------------------------------
@pytest.mark.parametrize("target", FORMS, ids=lambda f: f.id)
def test_no_form_input_gives_a_server_error(target: Form, as_role, figures):
    if target.endpoint == "admin.assignment_delete":  # a second role: removing one is allowed
        first = assignments_of(LS1_OWNER)[0]
        with transaction():
            db.session.add(RoleAssignment(user_id=first.user_id, role="board",
                                          unit_id=first.unit_id))
    if target.endpoint == "controls.plan_adopt":  # a draft plan to adopt
        from riskreg.controls import services as ic
        from tests.conftest import unit

        with transaction():
            ic.create_plan(None, unit("NLL-LS1"), 2022, "Fuzz: utkast")
    client = as_role(target.role)
    url = resolve_all(target.url)
    page = resolve_all(target.page) if target.page else url
    shown = client.get(page)
    assert shown.status_code == 200, (page, shown.status_code)
    form = form_posting_to(shown.get_data(as_text=True), page, url)
    for name, value in target.fill:
        form.values[name] = next(o for o in form.options[name] if o) if value == FIRST else value
    token = form.values["csrf_token"]
    cookie = cookie_of(client)
    statuses: Counter[int] = Counter()

    @FUZZ_SETTINGS
    @given(data=form_data(form))
    def post(data: list[tuple[str, str]]) -> None:
        with example(client, cookie):
            response = client.post(url, data=MultiDict([("csrf_token", token), *data]))
            statuses[response.status_code] += 1
            no_server_error(response, data)

    post()
    assert sum(statuses.values()) >= min(FUZZ_EXAMPLES, 10)
    figures.update({"examples": sum(statuses.values()),
                    "statuses": dict(sorted(statuses.items()))})


def test_every_post_endpoint_is_fuzzed(app):
    """A new form fails here until FORMS lists it."""
    posting = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    assert posting - {f.endpoint for f in FORMS} == set()


# -- the query fuzz ----------------------------------------------------------------------------
class RecordingArgs(ImmutableMultiDict):
    """request.args that remembers which names the view asked for."""

    asked: set[str] = set()

    def _note(self, key) -> None:
        if isinstance(key, str):
            RecordingArgs.asked.add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's signature)
        self._note(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        self._note(key)
        return super().getlist(key, type)

    def __contains__(self, key) -> bool:
        self._note(key)
        return super().__contains__(key)


class RecordingRequest(Request):
    parameter_storage_class = RecordingArgs


def parameters_read(app, client, url: str) -> list[str]:
    """The query parameters the view behind ``url`` reads (recorded on one GET)."""
    RecordingArgs.asked = set()
    original = app.request_class
    app.request_class = RecordingRequest
    try:
        response = client.get(url)
    finally:
        app.request_class = original
    assert response.status_code in (200, 302), (url, response.status_code)
    return sorted(RecordingArgs.asked)


@pytest.mark.parametrize(("role", "url"), QUERIES, ids=[f"{r}:{u}" for r, u in QUERIES])
def test_no_query_parameter_gives_a_server_error(role, url, app, as_role, figures):
    client = as_role(role)
    path = resolve_all(url)
    names = parameters_read(app, client, path)
    plain = url.split("?")[0]
    assert EXPECTED_PARAMETERS.get(plain, set()) <= set(names), (url, names)
    fixed = path.split("?")[1] + "&" if "?" in path else ""
    cookie = cookie_of(client)
    statuses: Counter[int] = Counter()

    @FUZZ_SETTINGS
    @given(query=query_string([n for n in names if f"{n}=" not in fixed]))
    def get(query: str) -> None:
        with example(client, cookie):
            response = client.get(path.split("?")[0], query_string=fixed + query)
            statuses[response.status_code] += 1
            no_server_error(response, query)

    get()
    assert sum(statuses.values()) >= min(FUZZ_EXAMPLES, 10)
    figures.update({"parameters": ",".join(names), "examples": sum(statuses.values()),
                    "statuses": dict(sorted(statuses.items()))})


def test_the_recording_finds_parameters_inside_forms(app, coordinator):
    """The register reads its filters through a form: the recording sees them."""
    assert {"q", "sort", "band"} <= set(parameters_read(app, coordinator, "/risks/"))


# -- the API's Authorization header -------------------------------------------------------
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                                    exclude_characters="\x7f"), max_size=80)


@pytest.mark.parametrize("url", ["/api/v1/units", "/api/v1/risks", "/api/v1/heatmap"])
def test_no_authorization_header_gives_a_server_error(url, client, figures):
    """Bearer tokens of every shape (and other schemes) are a 401, never a 5xx."""
    statuses: Counter[int] = Counter()

    @FUZZ_SETTINGS
    @given(header=st.one_of(
        st.builds(lambda t: f"Bearer {t}", HEADER_TEXT), HEADER_TEXT,
        st.sampled_from(["Bearer", "Bearer ", "Bearer  x", "Basic YTpi", "bearer abc",
                         "Bearer " + "A" * 5000, "Bearer rr_" + "0" * 64])))
    def get(header: str) -> None:
        with example(client, None):
            response = client.get(url, headers={"Authorization": header})
            statuses[response.status_code] += 1
            no_server_error(response, header)
            assert response.status_code == 401, (header, response.status_code)

    get()
    figures.update({"examples": sum(statuses.values()),
                    "statuses": dict(sorted(statuses.items()))})
