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
    return {"later": later, "first": first, "nodes": manifest["nodes"], "folder": folder}


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
        "fct_nondiscrimination_employees", "fct_nondiscrimination_corrections", "fct_top_heavy_determinations",
        "fct_top_heavy_minimums")}
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


@pytest.fixture(scope="module")
def lean(selected) -> dict:
    """A backtest's selection (runner.year_selection(lean=True)): its start year and a later year (listed in the
    folder of `selected`, whose saved parse dbt reuses)."""
    folder = selected["folder"]

    def listed(selection: list[str]) -> set[str]:
        return dbt_ls([arg for arg in selection if arg != "--full-refresh"], folder)  # a build's flag, not ls's
    return {"start": listed(year_selection(START, START, lean=True)),
            "later": listed(year_selection(START + 1, START, first_of_run=True, lean=True)),
            "full": listed(year_selection(START, START)),
            "nodes": json.loads((folder / "target" / "manifest.json").read_text())["nodes"]}


def test_a_lean_year_builds_what_the_snapshot_and_the_event_store_need_and_all_their_tripwires(lean):
    """A backtest builds every parent of the snapshot and the event store (so they are what a full build
    writes), the views the year protocol reads, and every critical tripwire and mart check of what it builds;
    not the report views nobody reads there or the start-year-only rule checks. (The nondiscrimination models
    are built: the corrections a design applies go into the year's balances.)"""
    nodes = lean["nodes"]
    parents: dict[str, set[str]] = {}

    def ancestors(node_id: str) -> set[str]:
        if node_id not in parents:
            direct = set(nodes.get(node_id, {}).get("depends_on", {}).get("nodes", []))
            parents[node_id] = direct.union(*(ancestors(p) for p in direct))
        return parents[node_id]

    needed = {f"model.planalign.{name}" for name in (
        "fct_workforce_snapshot", "fct_yearly_events", "rpt_year_digests", "rpt_year_audit",
        "rpt_census_reconciliation")}
    built_models = {n for n in needed.union(*(ancestors(n) for n in needed))
                    if n.startswith(("model.", "seed.")) and nodes[n]["config"]["materialized"] != "ephemeral"}
    yearly = {n for n, node in nodes.items() if "yearly" in node["config"].get("tags", [])}
    for name, selected in (("start", lean["start"]), ("later", lean["later"])):
        models = {n for n in selected if n.startswith(("model.", "seed."))}
        expected = built_models if name == "start" else {n for n in built_models if n in lean["full"] and (
            {"yearly", "per_run", "reports"} & set(nodes[n]["config"]["tags"]))}
        assert expected - models == set(), name
        tests = {n for n in selected if n.startswith("test.")}
        tripwires = {n for n, node in nodes.items() if node["resource_type"] == "test"
                     and "critical" in node["config"]["tags"] and set(node["depends_on"]["nodes"]) & yearly}
        # every critical tripwire of a yearly model runs, unless it checks a model the lean year does not build
        assert len(tripwires & tests) >= 20, name
        assert all(set(nodes[n]["depends_on"]["nodes"]) & set(nodes) - selected for n in tripwires - tests), name
        marts = {n for n in models if nodes[n]["original_file_path"].startswith("models/marts/")}
        mart_checks = {n for n, node in nodes.items() if node["resource_type"] == "test"
                       and node["original_file_path"].startswith("models/marts/")
                       and set(node["depends_on"]["nodes"]) & marts and set(node["depends_on"]["nodes"]) <= models}
        assert mart_checks and mart_checks - tests == set(), name
        assert "model.planalign.rpt_workforce_breakdown" not in selected
        assert not {n for n in selected if n.startswith("model.planalign.rpt_")} - built_models - needed
        assert not [n for n in tests if nodes[n]["config"].get("meta", {}).get("start_year_only") is True], name
    # the full start year does build and check what the lean one leaves out
    assert "model.planalign.rpt_workforce_breakdown" in lean["full"]
    assert len(lean["full"]) > len(lean["start"])
