"""The package's shape: one import name, a core that never talks to the terminal, one key type."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from conftest import ROOT
from planalign.engine.results import PairResult, RunSummary, YearAudit
from planalign.keys import MONTE_CARLO, SINGLE, Replications, RunKey
from planalign.store import db

PACKAGE = ROOT / "scripts"
CORE = [path for path in sorted([*PACKAGE.rglob("*.py"), *(ROOT / "hooks").rglob("*.py")])
        if PACKAGE / "cli" not in path.parents]


def _calls_and_imports(path: Path) -> tuple[set[str], set[str]]:
    tree = ast.parse(path.read_text())
    imports = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    imports |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    calls = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    return imports, calls


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_neither_prints_nor_uses_click(path):
    """Only planalign.cli turns results and errors into lines and exit codes."""
    imports, calls = _calls_and_imports(path)
    assert "click" not in imports, f"{path.relative_to(ROOT)} imports click: only planalign.cli may"
    assert "print" not in calls, f"{path.relative_to(ROOT)} prints: return a result or tell the observer instead"
    assert "exit" not in calls, f"{path.relative_to(ROOT)} exits: raise PlanAlignError instead"


def test_no_module_imports_the_old_top_level_names():
    """`scripts` and `hooks` are folders, not import names: everything imports planalign."""
    for path in sorted([*PACKAGE.rglob("*.py"), *(ROOT / "hooks").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]):
        imports, _ = _calls_and_imports(path)
        assert not imports & {"scripts", "hooks"}, f"{path.relative_to(ROOT)} imports {imports & {'scripts', 'hooks'}}"


def test_every_subpackage_folder_is_installed():
    """pyproject.toml lists each folder of scripts/ (and hooks/) as a package: a new one must be added there."""
    text = (ROOT / "pyproject.toml").read_text()
    folders = {path.parent for path in PACKAGE.rglob("__init__.py")}
    for folder in folders:
        name = ".".join(["planalign", *folder.relative_to(PACKAGE).parts])
        assert f'"{name}"' in text, f"{name} ({folder.relative_to(ROOT)}) is not in pyproject.toml's packages"
    assert '"planalign.hooks"' in text


def test_a_replication_set_is_spelled_in_one_place():
    single, monte_carlo = Replications(0), Replications(3)
    assert (single.ids, single.kind, single.track, single.file_suffix) == ([0], SINGLE, "single", "")
    assert (monte_carlo.ids, monte_carlo.kind, monte_carlo.track, monte_carlo.file_suffix) == \
        ([1, 2, 3], MONTE_CARLO, "mc", "_mc3")
    assert Replications.of_ids([0]) == single and Replications.of_ids([1, 2, 3]) == monte_carlo
    assert Replications.of_ids([2]).track == "mc"  # one replication of a set, built by hand
    with pytest.raises(ValueError):
        Replications.of_ids([0, 1])
    with pytest.raises(ValueError):
        Replications(-1)
    key = RunKey("acme", "qaca", monte_carlo)
    assert key.pair == "acme/qaca" and key.label == "acme/qaca x3"
    assert key.params == {"scenario": "acme", "plan": "qaca", "replications": [1, 2, 3]}


def test_the_audit_result_has_the_audit_columns_in_order():
    assert tuple(field.name for field in dataclasses.fields(YearAudit)) == db.AUDIT_COLUMNS
    assert YearAudit.from_row(None).end_headcount == 0.0
    assert YearAudit.from_row((1, None, *range(12))).experienced_terminations == 0.0


def test_the_run_summary_record_keeps_the_summary_json_keys():
    result = PairResult(RunKey("s", "d", Replications(2)), status="success", years_done=[2025], retries=1)
    summary = RunSummary("run", "simulate", "2026-01-01T00:00:00Z", "db.duckdb", ["s/d x2"], [2025],
                         results=[result])
    record = summary.record()
    assert record["retries"] == 1 and record["results"][0]["replications"] == 2
    assert set(record["results"][0]) >= {"scenario_id", "plan_design_id", "years_done", "year_seconds", "rows",
                                         "config_hash", "report", "html", "employer_cost", "status", "retries"}


def test_unit_and_integration_test_files_have_different_names():
    """pytest imports test files by their base name (no packages under tests/): a name in both folders stops
    the collection of `make test` with 'import file mismatch'."""
    unit = {path.name for path in (ROOT / "tests" / "unit").glob("test_*.py")}
    integration = {path.name for path in (ROOT / "tests" / "integration").glob("test_*.py")}
    assert not unit & integration, f"rename one of each: {sorted(unit & integration)}"


def test_the_cli_starts_without_the_fitting_libraries():
    """statsmodels and scipy take about a second to import: only fit, backtest and calibrate load them, so
    simulate, status and the rest start fast (a slow start also broke the lock-retry test's timing)."""
    import subprocess
    import sys

    code = ("import sys, planalign.cli; "
            "print(sorted(m for m in ('statsmodels', 'scipy') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", loaded


def test_the_cli_offers_the_growth_choices_the_backtest_checks():
    from planalign.cli.fit import GROWTHS as offered
    from planalign.fit.backtest import GROWTHS as checked

    assert offered == checked
