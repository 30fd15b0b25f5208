"""flask export-xlsx / import-xlsx: the pages' exports and imports from the command line,
with the named user's scope and permission rules."""

from __future__ import annotations

import pytest

from riskreg.extensions import db
from tests.conftest import db_state
from tests.helpers.risks import NLL_NUMBERS, risk
from tests.helpers.xlsx import by_header, edit_cells, sheet_rows

COORDINATOR = "samordnare@norrbotten.example"
CAUSE = "Beskriv orsaken till att risken inträffar"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def export(runner, path, layout="success_factor", email=COORDINATOR, unit="NLL-RS"):
    return runner.invoke(args=["export-xlsx", "--user", email, "--layout", layout,
                               "--unit", unit, "--period", "2022-T2", str(path)])


def test_export_then_import_round_trip(runner, tmp_path, t2):
    path = tmp_path / "risker.xlsx"
    result = export(runner, path)
    assert result.exit_code == 0, result.output
    assert sorted(by_header(sheet_rows(path.read_bytes()))) == sorted(NLL_NUMBERS)
    args = ["import-xlsx", "--user", COORDINATOR, "--layout", "success_factor",
            "--unit", "NLL-RS", "--period", "2022-T2"]
    before = db_state()
    result = runner.invoke(args=[*args, str(path)])
    assert result.exit_code == 0, result.output
    assert f"unchanged {len(NLL_NUMBERS)}" in result.output and "Preview only" in result.output
    assert db_state() == before
    path.write_bytes(edit_cells(path.read_bytes(), {(2, CAUSE): "Orsak från kommandoraden"}))
    result = runner.invoke(args=[*args, "--confirm", str(path)])
    assert result.exit_code == 0, result.output
    assert "changed 1" in result.output and "Saved." in result.output
    db.session.expire_all()
    assert risk("NLL", 2).cause == "Orsak från kommandoraden"


@pytest.mark.parametrize("layout", ["register", "unit", "measures", "kpis", "matrix"])
def test_every_export(runner, tmp_path, t2, layout):
    path = tmp_path / f"{layout}.xlsx"
    result = export(runner, path, layout)
    assert result.exit_code == 0, result.output
    assert sheet_rows(path.read_bytes())


def test_scope_and_permission(runner, tmp_path, t2):
    assert export(runner, tmp_path / "x.xlsx", email="samordnare@sormland.example"
                  ).exit_code != 0  # Regionstyrelsen is out of Sörmland's reach
    export(runner, tmp_path / "ok.xlsx")
    result = runner.invoke(args=["import-xlsx", "--user", "riskagare@norrbotten.example",
                                 "--layout", "success_factor", "--unit", "NLL-RS",
                                 "--period", "2022-T2", str(tmp_path / "ok.xlsx")])
    assert result.exit_code != 0 and "may not import" in result.output
