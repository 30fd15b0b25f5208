"""API tokens' ``last_used_at`` is stamped after the response, in a transaction of its own,
at most once a minute per token. Tested on the live server (a real WSGI server that closes
each response, on its own SQLite file), since the test harness shares one transaction."""

from __future__ import annotations

import time
import urllib.request
from datetime import timedelta

from sqlalchemy import select, update

from riskreg.api import tokens
from riskreg.extensions import db
from riskreg.models import ApiToken, User
from riskreg.models.types import utcnow
from riskreg.uow import transaction


def _call(live_server, secret: str) -> int:
    request = urllib.request.Request(f"{live_server.url}/api/v1/units",
                                     headers={"Authorization": f"Bearer {secret}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        response.read()
        return response.status


def _last_used(app, token_id: int):
    with app.app_context():
        value = db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))
        db.session.remove()
        return value


def _wait_for_stamp(app, token_id: int, after) -> object:
    for _ in range(50):
        value = _last_used(app, token_id)
        if value is not None and (after is None or value > after):
            return value
        time.sleep(0.1)
    return _last_used(app, token_id)


def test_a_token_is_stamped_once_a_minute_after_the_response(live_server):
    app = live_server.app
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == "riskagare@norrbotten.example"))
        with transaction():
            token, secret = tokens.create_token(owner, "stämpel")
        token_id = token.id
        db.session.remove()
    assert _last_used(app, token_id) is None

    assert _call(live_server, secret) == 200
    first = _wait_for_stamp(app, token_id, None)
    assert first is not None

    assert _call(live_server, secret) == 200  # within the minute: not stamped again
    time.sleep(0.5)
    assert _last_used(app, token_id) == first

    with app.app_context():  # a minute has passed
        with transaction():
            db.session.execute(update(ApiToken).where(ApiToken.id == token_id)
                               .values(last_used_at=utcnow() - timedelta(minutes=2)))
        db.session.remove()
    older = _last_used(app, token_id)
    assert _call(live_server, secret) == 200
    assert _wait_for_stamp(app, token_id, older) > older
