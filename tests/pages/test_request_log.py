"""The request log (riskreg/ops/request_log.py): one JSON line per request on stderr."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import pytest

from riskreg import create_app
from riskreg.config import TestConfig
from riskreg.ops.request_log import LOGGER_NAME, request_id_from
from tests.conftest import DEMO_USERS, user

FIELDS = {"ts", "level", "logger", "request_id", "method", "path", "status", "duration_ms",
          "user_id"}


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def parsed(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def request_log(app) -> Iterator[_Lines]:
    handler = _Lines()
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def test_one_json_line_per_request(client, request_log):
    response = client.get("/login?q=Anna+Andersson&next=/risks/")
    assert response.status_code == 200
    [entry] = request_log.parsed()
    assert set(entry) == FIELDS
    assert entry["method"] == "GET"
    assert entry["path"] == "/login"  # never the query string
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    assert entry["user_id"] is None
    assert entry["logger"] == LOGGER_NAME
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", entry["request_id"])
    assert "Anna" not in request_log.lines[0]


def test_signed_in_user_id_and_no_secrets(client, request_log):
    email = DEMO_USERS["owner"]
    client.login(email)
    entries = request_log.parsed()
    sign_in = [e for e in entries if e["method"] == "POST"]
    assert [(e["path"], e["status"]) for e in sign_in] == [("/login", 302)]
    client.get("/")
    start = request_log.parsed()[-1]
    assert (start["path"], start["user_id"]) == ("/", user(email).id)
    text = "\n".join(request_log.lines)
    assert email not in text
    assert "riskreg-demo" not in text  # the password
    assert client.get_cookie("session").value not in text
    assert user(email).session_token not in text


def test_errors_are_logged_with_their_status(client, request_log):
    assert client.get("/no-such-page").status_code == 404
    assert client.post("/login", data={"email": "x", "password": "y"}).status_code == 400
    assert [(e["path"], e["status"]) for e in request_log.parsed()] == [
        ("/no-such-page", 404), ("/login", 400)]


@pytest.mark.parametrize("incoming", ["abc-123", "0f8fad5b-d9cb-469f-a165-70867728950e",
                                      "lb.1:2_3"])
def test_a_sane_incoming_request_id_is_kept(client, request_log, incoming):
    response = client.get("/healthz?x=1", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming
    response = client.get("/login", headers={"X-Request-ID": incoming})
    assert request_log.parsed()[-1]["request_id"] == incoming


@pytest.mark.parametrize("incoming", ["", " ", "a b", "x" * 129, 'a"b', "a\tb", "-start",
                                      "åäö", "<script>"])
def test_an_odd_incoming_request_id_is_replaced(client, request_log, incoming):
    response = client.get("/login", headers={"X-Request-ID": incoming})
    assert response.status_code == 200
    replaced = response.headers["X-Request-ID"]
    assert replaced != incoming and re.fullmatch(r"[0-9a-f]{32}", replaced)
    assert request_log.parsed()[-1]["request_id"] == replaced


def test_request_ids_differ():
    assert request_id_from(None) != request_id_from(None)


def test_successful_probes_are_not_logged(client, request_log):
    assert client.get("/healthz").status_code == 200
    assert request_log.lines == []
    assert client.get("/readyz").status_code == 503  # the suite's schema is not migrated
    assert [e["path"] for e in request_log.parsed()] == ["/readyz"]


def test_control_characters_cannot_forge_lines(client, request_log):
    client.get("/risks/%0a%7b%22status%22%3a200%7d")
    assert len(request_log.lines) == 1
    assert "\n" not in request_log.lines[0]
    assert json.loads(request_log.lines[0])["path"] == '/risks/\n{"status":200}'


def test_lines_go_to_stderr(app, client, capsys):
    client.get("/login")
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert [(e["path"], e["status"]) for e in lines] == [("/login", 200)]


def test_the_log_can_be_switched_off(capsys):
    class Quiet(TestConfig):
        REQUEST_LOG = False

    quiet = create_app(Quiet)
    response = quiet.test_client().get("/healthz?probe=1")
    quiet.test_client().get("/no-such-page")
    assert "X-Request-ID" in response.headers  # the id is still handed back
    assert LOGGER_NAME not in capsys.readouterr().err
