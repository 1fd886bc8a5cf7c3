"""Same census, scenario and seed give identical rows; another seed does not; re-running a year changes nothing."""

from __future__ import annotations

from conftest import query, run_planalign, write_scenario
from digests import table_digest, year_digests


def test_same_seed_gives_identical_events_and_snapshots(simulated, tmp_path):
    """Identical whatever DuckDB's threads and memory limit and however many dbt nodes run at once: the
    replica runs one node at a time, on one DuckDB thread, in 500 MB (the session's run: defaults)."""
    db = tmp_path / "replica.duckdb"
    run_planalign("simulate", "--scenario", str(simulated["scenario"]), db=db,
                  env_extra={"PLANALIGN_THREADS": "1", "PLANALIGN_MEMORY_LIMIT": "500MB",
                             "PLANALIGN_DBT_THREADS": "1"})
    for table in ("fct_yearly_events", "fct_workforce_snapshot", "fct_headcount_plan"):
        assert table_digest(db, table) == table_digest(simulated["db"], table), table
    # the census is read in file order whatever the settings (the SSN hash differs: a salt per database)
    census_rows = "select census_row_number, employee_id, row_status, reject_reason from stg_census__rows order by 1"
    assert query(db, census_rows) == query(simulated["db"], census_rows)


def test_another_seed_reshuffles(simulated, tmp_path):
    db = tmp_path / "seed7.duckdb"
    scenario = write_scenario(tmp_path / "seed7.yml", simulated["census"], random_seed=7, end_year=2025)
    run_planalign("simulate", "--scenario", str(scenario), db=db)
    ours = year_digests(simulated["db"], "fct_yearly_events", "fixture")[2025]
    assert year_digests(db, "fct_yearly_events", "fixture")[2025] != ours
    # The headcount arithmetic does not depend on the seed: only who and when.
    assert table_digest(db, "fct_headcount_plan") == \
        table_digest(simulated["db"], "fct_headcount_plan", "simulation_year = 2025")


def test_rerunning_a_year_leaves_every_row_of_every_year_identical(simulated):
    db = simulated["db"]
    before = {t: year_digests(db, t, "fixture") for t in ("fct_yearly_events", "fct_workforce_snapshot")}
    stamps_before = query(db, "select distinct run_id from fct_yearly_events where simulation_year = 2026")
    run_planalign("year", "--scenario", str(simulated["scenario"]), "2026", db=db)
    after = {t: year_digests(db, t, "fixture") for t in before}
    assert after == before
    stamps_after = query(db, "select distinct run_id from fct_yearly_events where simulation_year = 2026")
    assert stamps_after != stamps_before, "the year was not actually re-run"
    assert query(db, "select count(distinct run_id) from fct_yearly_events where simulation_year = 2027") == [(1,)]


def test_a_year_out_of_order_is_refused_clearly(simulated, tmp_path):
    result = run_planalign("year", "--scenario", str(simulated["scenario"]), "2027",
                           db=tmp_path / "empty.duckdb", check=False)
    assert result.returncode == 2
    assert "year 2026 has not been simulated" in result.stderr
    assert "Traceback" not in result.stderr


def test_negative_growth_reduces_in_force_and_hires_nobody(simulated, tmp_path):
    db = tmp_path / "rif.duckdb"
    scenario = write_scenario(tmp_path / "rif.yml", simulated["census"], scenario_id="downsizing",
                              end_year=2026, workforce={"target_growth_rate": -0.2,
                                                        "total_termination_rate": 0.05})
    run_planalign("simulate", "--scenario", str(scenario), db=db)
    rows = query(db, """
        select p.simulation_year, p.start_headcount, p.target_headcount, p.reduction_in_force_terminations,
               (select count(*) from fct_yearly_events e where e.simulation_year = p.simulation_year
                  and e.event_type = 'hire'),
               (select count(*) from fct_yearly_events e where e.simulation_year = p.simulation_year
                  and e.reason = 'reduction_in_force'),
               (select count(*) from fct_workforce_snapshot s where s.simulation_year = p.simulation_year
                  and s.employment_status = 'active')
        from fct_headcount_plan p order by 1""")
    for _year, start, target, rif, hires, rif_events, end in rows:
        assert hires == 0 and rif > 0 and rif_events == rif and end == target < start
