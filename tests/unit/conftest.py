"""tests/unit/ holds only tests that need no database (and no app with one): plain Python
of the domain, the figures, the configuration, the catalogs. A test that asks for the app
belongs in tests/services/ (no request) or tests/pages/ / tests/api/ (through HTTP)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_database(request) -> None:
    if "app" in request.fixturenames:
        pytest.fail(f"{request.node.nodeid} uses the database: move it out of tests/unit/")
