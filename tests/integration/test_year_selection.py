"""What a later year builds and checks (scripts/dbt_runner.year_selection), listed by dbt itself: every
critical tripwire of the yearly models runs every year; the checks of the intermediate models and the report
views run in the start year; the views are rebuilt by the first year of a run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT
from planalign.dbt.runner import year_selection
from planalign.store import db

START = 2025


def dbt_ls(selection: list[str], folder: Path) -> set[str]:
    env = dict(os.environ, PLANALIGN_DB=str(folder / "ls.duckdb"), DBT_PROFILES_DIR=str(ROOT))
    result = subprocess.run([str(Path(sys.executable).with_name("dbt")), "ls", "-q", "--output", "json",
                             "--output-keys", "unique_id", "--target-path", str(folder / "target"), *selection],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return {json.loads(line)["unique_id"] for line in result.stdout.splitlines() if line.startswith("{")}


@pytest.fixture(scope="module")
def selected(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("selection")
    later = dbt_ls(year_selection(START + 1, START), folder)
    first = dbt_ls(year_selection(START + 1, START, first_of_run=True), folder)
    manifest = json.loads((folder / "target" / "manifest.json").read_text())
    return {"later": later, "first": first, "nodes": manifest["nodes"]}


def test_every_critical_tripwire_of_the_yearly_models_runs_every_year(selected):
    nodes = selected["nodes"]
    yearly = {node_id for node_id, node in nodes.items() if "yearly" in node["config"].get("tags", [])}
    critical = {node_id for node_id, node in nodes.items()
                if node["resource_type"] == "test" and "critical" in node["config"].get("tags", [])
                and set(node["depends_on"]["nodes"]) & yearly}
    assert len(critical) >= 20
    assert critical - selected["later"] == set()


def test_intermediate_and_report_checks_run_in_the_start_year_only(selected):
    nodes = selected["nodes"]
    later_tests = [nodes[node_id] for node_id in selected["later"] if node_id.startswith("test.")]
    assert later_tests, "a later year runs no check at all"
    for test in later_tests:
        folder = test["original_file_path"].split("/")[1] if test["original_file_path"].startswith("models/") else ""
        if folder in ("intermediate", "reports"):
            assert "critical" in test["config"]["tags"], test["unique_id"]
    # the checks of the yearly marts all run
    yearly_marts = {node_id for node_id, node in nodes.items() if node["resource_type"] == "model"
                    and node["original_file_path"].startswith("models/marts/") and "yearly" in node["config"]["tags"]}
    assert yearly_marts == {f"model.planalign.{name}" for name in (
        "fct_yearly_events", "fct_workforce_snapshot", "fct_headcount_plan", "fct_irs_limits",
        "fct_nondiscrimination_employees", "fct_nondiscrimination_corrections")}
    marts_tests = {node_id for node_id, node in nodes.items() if node["resource_type"] == "test"
                   and node["original_file_path"].startswith("models/marts/")
                   and set(node["depends_on"]["nodes"]) & yearly_marts}
    assert marts_tests and marts_tests <= selected["later"]


def test_report_views_are_built_by_the_first_year_of_a_run_only(selected):
    views = {node_id for node_id, node in selected["nodes"].items()
             if node["resource_type"] == "model" and node["original_file_path"].startswith("models/reports/")}
    assert len(views) >= 5
    assert views & selected["later"] == set()
    assert views <= selected["first"]


def test_the_runs_configuration_is_built_by_the_first_year_of_a_run_only(selected):
    """The resolved design, its tiers and vesting, and the effective settings cannot change within a run: a
    run's first year builds and checks them, a later year neither rebuilds nor re-checks them."""
    nodes = selected["nodes"]
    per_run = {node_id for node_id, node in nodes.items()
               if node["resource_type"] == "model" and "per_run" in node["config"].get("tags", [])}
    assert {"model.planalign.dim_plan_designs", "model.planalign.dim_scenario_settings",
            "model.planalign.int_plan_match_tiers_selected", "model.planalign.int_vesting_schedule_selected",
            "model.planalign.int_plan_design_selected"} <= per_run
    assert per_run & selected["later"] == set()
    built = {node_id for node_id in per_run if nodes[node_id]["config"]["materialized"] != "ephemeral"}
    assert built <= selected["first"]
    only_theirs = {node_id for node_id, node in nodes.items() if node["resource_type"] == "test"
                   and set(node["depends_on"]["nodes"]) and set(node["depends_on"]["nodes"]) <= per_run}
    assert only_theirs, "the run's configuration has no check"
    assert only_theirs & selected["later"] == set()
    assert {node_id for node_id in only_theirs if nodes[node_id]["config"].get("meta", {}).get(
        "start_year_only") is not True} <= selected["first"]


def test_a_clear_removes_the_rows_of_every_yearly_mart(selected, simulated):
    """scripts.db.clear_rows (--clear all, stale later years, a smaller Monte Carlo set) deletes from the marts
    it finds by their key columns: exactly the yearly marts, each of which a year's build deletes and appends."""
    yearly_marts = {node["name"] for node in selected["nodes"].values() if node["resource_type"] == "model"
                    and node["original_file_path"].startswith("models/marts/") and "yearly" in node["config"]["tags"]}
    with duckdb.connect(str(simulated["db"]), read_only=True) as con:
        assert set(db.marts_with_years(con)) == yearly_marts
