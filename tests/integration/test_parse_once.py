"""dbt runs inside the CLI's process and parses the project once per run, not once per year: the years
share one manifest (scripts/dbt/runner.py). Checked on the run log of the `simulated` fixture (3 years)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import END, ROOT, START, query, run_planalign, write_scenario
from planalign.dbt import runner
from planalign.engine import config
from planalign.paths import dbt_target_dir


def run_log(simulated: dict) -> list[dict]:
    run_id = re.search(r"^run (\S+):", simulated["output"], re.MULTILINE).group(1)
    return [json.loads(line) for line in (ROOT / "logs" / f"run_{run_id}.jsonl").read_text().splitlines()]


def test_a_multi_year_run_parses_the_project_once(simulated):
    years = list(range(START, END + 1))
    invocations = [line for line in run_log(simulated) if line["event"] == "dbt_invocation"]
    assert [line["year"] for line in invocations] == years
    assert all(line["returncode"] == 0 for line in invocations)
    # dbt loads a manifest (a full or partial parse) before the first year only
    assert [line["manifest_loads"] for line in invocations] == [1] + [0] * (len(years) - 1)


def test_every_year_is_still_its_own_dbt_invocation_with_its_hooks(simulated):
    lines = run_log(simulated)
    starts = [line for line in lines if line["event"] == "dbt_start"]  # the on-run-start preflight
    ends = [line for line in lines if line["event"] == "dbt_end"]  # the on-run-end hook
    assert [line["simulation_year"] for line in starts] == list(range(START, END + 1))
    assert [line["simulation_year"] for line in ends] == list(range(START, END + 1))
    assert len({line["invocation_id"] for line in starts}) == len(starts)
    assert all(line["status"] == "success" for line in ends)


def _parse(target: Path, env: dict[str, str], variables: dict | None) -> dict:
    """A full `dbt parse` of the project (no saved state read) into its own target folder: the manifest."""
    command = [str(Path(sys.executable).with_name("dbt")), "parse", "--no-partial-parse", "--target-path", str(target)]
    if variables is not None:
        command += ["--vars", json.dumps(variables)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((target / "manifest.json").read_text())


def _recorded(manifest: dict) -> dict:
    """What dbt records while parsing, less the parse's clock and each node's macro list: the macros a node's
    Jinja happened to call (for a resolved plan design, rows_as_relation) only steer which nodes dbt
    parses again after a macro file changes; the build resolves every macro by name."""
    recorded = {key: value for key, value in manifest.items() if key not in {"metadata"}}
    for section in ("nodes", "sources", "macros", "unit_tests"):
        for node in recorded.get(section, {}).values():
            node.pop("created_at", None)
            node.get("depends_on", {}).pop("macros", None)
    return recorded


@pytest.mark.parametrize("scenario_name, census_name", [("qaca_switch", "census.csv"),
                                                      ("high_growth", "census.parquet")])
def test_the_parse_does_not_depend_on_the_run(tmp_path, fixture_census, scenario_name, census_name):
    """The runner parses the project without the run's vars and PLANALIGN_* environment, then builds every year
    with them (runner.parse_environment): the two parses must record exactly the same nodes, refs,
    sources, configs and test arguments, else a build would run a node as another scenario parsed it."""
    census = tmp_path / "elsewhere" / census_name
    census.parent.mkdir()
    if census_name.endswith(".parquet"):
        with duckdb.connect() as con:
            con.execute(f"copy (select * from read_csv('{fixture_census}', all_varchar = true)) to '{census}'")
    else:
        shutil.copy(fixture_census, census)
    # every scenario value away from its default
    effective = config.resolve(config.scenario_file(scenario_name), {"census_path": str(census)},
                               ["workforce.target_growth_rate=0.07", "workforce.total_termination_rate=0.2",
                                "workforce.promotion_month_day=03-01", "workforce.raise_month_day=07-01",
                                "start_year=2026", "end_year=2030", "random_seed=99", "replications=2",
                                "census_timezone=America/Chicago", "census_checks.compensation_below_minimum=reject",
                                "census_bounds.max_age=90", "plan.participation_z_limit=6",
                                "plan.limit_indexing_rate=0.03", "plan.investment_return_rate=0.01"])
    variables = effective.dbt_vars()
    database = tmp_path / "runs" / "acme.duckdb"
    run_env = {**runner.dbt_env(2027, "20260101T000000Z_1", database),
               "PLANALIGN_CONFIG_HASH": "abc", "PLANALIGN_MEMORY_LIMIT": "5GB", "PLANALIGN_BACKUP": "off"}
    as_run = _parse(tmp_path / "as_run", run_env, variables)
    as_runner = _parse(tmp_path / "as_runner", runner.parse_environment(run_env, database), None)
    assert as_run["sources"]["source.planalign.census.employees"]["database"] == "acme"
    run_parse, runner_parse = _recorded(as_run), _recorded(as_runner)
    differing = [f"{section}: {key}" for section in sorted(set(run_parse) | set(runner_parse))
                 for key in sorted(set(run_parse.get(section) or {}) | set(runner_parse.get(section) or {}))
                 if isinstance(run_parse.get(section), dict)
                 and (run_parse.get(section) or {}).get(key) != (runner_parse.get(section) or {}).get(key)]
    assert differing == [], f"parsed differently for this run than for the runner: {differing}"
    assert run_parse == runner_parse


def test_a_run_on_another_scenario_census_and_folder_reuses_the_saved_parse(simulated, tmp_path):
    """Two one-year runs that share only the database's file name: the second loads the parse the first
    saved, whatever their scenario values, census files, folders and settings, and so does `dbt` run by
    hand in between (dbt logs why it cannot, and counts the files it parsed).
    The second keeps its yearly intermediate tables (PLANALIGN_KEEP_INTERMEDIATE=1); the first has them in
    memory only, so that its database file holds none of them."""
    logs, databases = [], []
    for name, growth, keep in (("first", 0.05, "0"), ("second", 0.01, "1")):
        if name == "second":  # dbt run by hand in between, with no settings: it parses in the same state
            by_hand = {key: value for key, value in os.environ.items() if not key.startswith("PLANALIGN_")}
            parsed = subprocess.run([str(Path(sys.executable).with_name("dbt")), "parse", "-q"], cwd=ROOT,
                                    env={**by_hand, "DBT_PROFILES_DIR": str(ROOT)}, capture_output=True, text=True)
            assert parsed.returncode == 0, parsed.stdout + parsed.stderr
        census = tmp_path / name / "census.csv"
        census.parent.mkdir()
        shutil.copy(simulated["census"], census)
        scenario = write_scenario(tmp_path / name / "scenario.yml", census, scenario_id=name, end_year=START,
                                  workforce={"target_growth_rate": growth})
        database = tmp_path / name / "planalign.duckdb"
        result = run_planalign("simulate", "--scenario", str(scenario), db=database,
                               env_extra={"PLANALIGN_KEEP_INTERMEDIATE": keep})
        run_id = re.search(r"^run (\S+):", result.stdout, re.MULTILINE).group(1)
        logs.append((ROOT / "logs" / f"dbt_{run_id}_{START}.log").read_text())
        databases.append(database)
    assert "Unable to do partial parsing" not in logs[1], logs[1][:2000]
    performance = json.loads((dbt_target_dir() / "perf_info.json").read_text())  # the second run's parse
    assert performance["is_partial_parse_enabled"] and performance["parsed_path_count"] == 0, performance

    def tables(database: Path) -> set[str]:
        return {row[0] for row in query(database, "select table_name from duckdb_tables()")}

    assert not runner.intermediate_database(databases[0]).exists()
    assert "int_hires_generated" not in tables(databases[0]) | tables(databases[1])
    # the intermediate table that critical tripwires read stays in the database file
    assert {"int_plan_enrollments_drawn", "fct_yearly_events"} <= tables(databases[0])
    kept = runner.intermediate_database(databases[1])
    assert {"int_hires_generated", "int_workforce_start_of_year"} <= tables(kept)
    assert query(kept, "select distinct simulation_year from int_workforce_start_of_year") == [(START,)]
