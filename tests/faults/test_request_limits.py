"""A form body larger than Werkzeug's form limit (500 kB) is a 413, never a 500.

Found by the fuzz (tests/faults/test_fuzz.py): POST /login with a 120,000-character
password answered 500. Werkzeug refuses the body with 413, but the error page's header
(the language and sign-out buttons) built its forms from the request, which read the
refused body again and raised inside the error handler. The buttons' form no longer reads
the body (``riskreg.forms.button_form``).
"""

from __future__ import annotations

import pytest

from tests.conftest import unit

OVER_THE_LIMIT = "å" * 200_000  # 400 kB of UTF-8, about 1.2 MB form-encoded


@pytest.mark.parametrize("url", ["/login", "/logout", "/language/en"])
def test_a_body_over_the_limit_is_a_413_page(client, url):
    response = client.post(url, data={"password": OVER_THE_LIMIT})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert 'action="/language/en"' in response.get_data(as_text=True)  # the header is there


def test_a_signed_in_form_over_the_limit_is_a_413_page(coordinator):
    response = coordinator.post(f"/risks/new?unit={unit('NLL-RS').id}",
                                data={"event": OVER_THE_LIMIT})
    assert response.status_code == 413
    assert 'action="/logout"' in response.get_data(as_text=True)


def test_an_api_body_over_the_limit_is_a_413_in_json(coordinator):
    response = coordinator.post("/api/v1/tokens", data={"name": OVER_THE_LIMIT})
    assert response.status_code == 413
    assert response.get_json()["error"]["status"] == 413
