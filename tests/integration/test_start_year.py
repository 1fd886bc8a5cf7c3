"""START after the scenario's start_year: the run opens there (the census is the workforce on Jan 1 of START),
and year, resume and batch find such a run by its first stored year."""

from __future__ import annotations

import json
import shutil

import duckdb

from conftest import END, START, query, run_planalign, write_scenario
from digests import year_digests


def test_a_later_start_opens_the_run_there_and_year_resume_and_batch_find_it(fixture_census, tmp_path):
    scenario = write_scenario(tmp_path / "later.yml", fixture_census)
    db = tmp_path / "later.duckdb"
    first = START + 1
    result = run_planalign("simulate", "--scenario", str(scenario), "--start", str(first), "--end", str(END), db=db)
    assert "has not been simulated" not in result.stdout + result.stderr
    assert query(db, "select distinct simulation_year from fct_workforce_snapshot order by 1") == \
        [(year,) for year in range(first, END + 1)]
    (settings,), = query(db, "select settings_json from dim_scenario_settings where scenario_id = 'fixture'")
    assert json.loads(settings)["start_year"] == first, "the census opened the run in START"
    # the same as naming the census and START explicitly (the way a census of make census-history is run)
    explicit = tmp_path / "explicit.duckdb"
    run_planalign("simulate", "--scenario", str(scenario), "--census", str(fixture_census), "--start", str(first),
                  "--end", str(first), db=explicit)
    for table in ("fct_yearly_events", "fct_workforce_snapshot"):
        assert year_digests(db, table, "fixture")[first] == year_digests(explicit, table, "fixture")[first], table
    # year and resume without START find the run's first year in the database: the same configuration (its
    # hash holds start_year), so resume finds every year done and a re-run of the last year replaces nothing else
    year = run_planalign("year", "--scenario", str(scenario), str(END), "--dry-run", db=db)
    assert f"run: {END}" in year.stdout and "another configuration" not in year.stdout
    refused = run_planalign("year", "--scenario", str(scenario), str(START), "--dry-run", db=db, check=False)
    assert refused.returncode == 2 and f"year {START} is before the run's first year {first}" in refused.stderr
    resume = run_planalign("resume", "--scenario", str(scenario), db=db)
    assert f"every year {first}-{END} is done" in resume.stdout
    batch = run_planalign("batch", "--scenarios", str(scenario), "--resume", db=db)
    assert f"every year {first}-{END} is done" in batch.stdout and f"{first}-{END}" in batch.stdout
    dry = run_planalign("batch", "--scenarios", str(scenario), "--start", str(first), "--end", str(END),
                        "--dry-run", db=db)
    assert "nothing is written" in dry.stdout and "has not been simulated" not in dry.stdout + dry.stderr


def test_status_compares_row_counts_fast_and_digests_with_verify(simulated, tmp_path):
    """status reads the row counts (fast on a large database); VERIFY=1 the digests: an edited value shows only
    there, a removed row in both."""
    folder = tmp_path / "copy"
    shutil.copytree(simulated["folder"], folder, ignore=shutil.ignore_patterns("*.lock", "backups"))
    db = folder / simulated["db"].name
    plain = run_planalign("status", db=db).stdout
    assert f"checkpoints (row counts): {START} ok" in plain and "VERIFY=1" in plain
    assert f"checkpoints (digests): {START} ok" in run_planalign("status", "--verify", db=db).stdout
    with duckdb.connect(str(db)) as con:
        con.execute(f"update fct_workforce_snapshot set annual_compensation = annual_compensation + 1 "
                    f"where scenario_id = 'fixture' and simulation_year = {END} and employee_id = "
                    f"(select min(employee_id) from fct_workforce_snapshot where simulation_year = {END})")
    assert f"{END} ok" in run_planalign("status", db=db).stdout
    assert f"{END} MISMATCH" in run_planalign("status", "--verify", db=db).stdout
    with duckdb.connect(str(db)) as con:
        con.execute(f"delete from fct_yearly_events where scenario_id = 'fixture' and simulation_year = {END} "
                    f"and event_id = (select min(event_id) from fct_yearly_events where simulation_year = {END})")
    assert f"{END} MISMATCH" in run_planalign("status", db=db).stdout
