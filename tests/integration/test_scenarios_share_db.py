"""Several scenarios, each with its own census, in one database: staging is kept per (scenario, plan design)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import EXPECTED_REJECTS, ROOT, query, run_planalign, write_scenario
from digests import year_digests


def dbt_test_critical(db: Path, census: Path, scenario_id: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PLANALIGN_DB=str(db), DBT_PROFILES_DIR=str(ROOT))
    return subprocess.run([str(Path(sys.executable).parent / "dbt"), "test", "--select", "tag:critical",
                           "--vars", f"{{census_path: '{census}', scenario_id: {scenario_id}}}"],
                          cwd=ROOT, env=env, capture_output=True, text=True)


def test_two_scenarios_with_their_own_census_in_one_database(simulated, tmp_path):
    other_census = tmp_path / "other_census.csv"
    run_planalign("census", "--n", "200", "--seed", "5", "--out", str(other_census), db=tmp_path / "unused.duckdb")
    db = tmp_path / "shared.duckdb"
    # A's start year, then all of B (its start year rebuilds staging with --full-refresh), then A's next year
    scenario_a = write_scenario(tmp_path / "a.yml", simulated["census"], end_year=2026)
    scenario_b = write_scenario(tmp_path / "b.yml", other_census, scenario_id="other", end_year=2026)
    run_planalign("simulate", "--scenario", str(scenario_a), "--end", "2025", db=db)
    run_planalign("simulate", "--scenario", str(scenario_b), db=db)
    out_a = run_planalign("simulate", "--scenario", str(scenario_a), "--start", "2026", db=db).stdout

    raw_a = sum(1 for _ in simulated["census"].open()) - 1
    counts = {(scenario, status): n for scenario, status, n in query(db, """
        select scenario_id, row_status, sum(row_count) from rpt_census_reconciliation
        where plan_design_id = 'baseline' group by all""")}
    assert counts[("fixture", "rejected")] == len(EXPECTED_REJECTS)
    assert sum(n for (scenario, _), n in counts.items() if scenario == "fixture") == raw_a
    assert ("other", "rejected") not in counts
    assert counts[("other", "staged")] + counts[("other", "excluded")] == 200
    assert sorted(query(db, "select coalesce(employee_id, ''), reject_reason from stg_census__rejects "
                            "where scenario_id = 'fixture'")) == EXPECTED_REJECTS
    staged = dict(query(db, "select scenario_id, count(*) from stg_census__employees group by 1"))
    assert staged == {"fixture": counts[("fixture", "staged")], "other": counts[("other", "staged")]}
    assert "census:" not in out_a  # a later year of A does not restage

    # A's rows are those of A simulated alone
    for table in ("fct_yearly_events", "fct_workforce_snapshot"):
        alone = year_digests(simulated["db"], table, "fixture")
        shared = year_digests(db, table, "fixture")
        assert shared == {year: alone[year] for year in (2025, 2026)}, table
    assert year_digests(db, "fct_yearly_events", "other").keys() == {2025, 2026}

    # each scenario keeps the design and settings it ran with
    settings = {scenario: json.loads(text) for scenario, text in query(db, "select scenario_id, settings_json "
                                                                         "from dim_scenario_settings")}
    assert settings["fixture"]["census_file"] == simulated["census"].name
    assert settings["other"]["census_file"] == other_census.name
    assert settings["other"]["census_sha256"] == hashlib.sha256(other_census.read_bytes()).hexdigest()
    # written by the first year of the run that last wrote it (tag per_run): A's last run started in 2026
    assert query(db, "select scenario_id, simulation_year, design_sha256 = (select design_sha256 "
                     "from dim_plan_designs where scenario_id = 'other') from dim_plan_designs order by 1") == \
        [("fixture", 2026, True), ("other", 2025, True)]

    for census, scenario_id in ((simulated["census"], "fixture"), (other_census, "other")):
        result = dbt_test_critical(db, census, scenario_id)
        assert result.returncode == 0, (scenario_id, result.stdout[-3000:])
