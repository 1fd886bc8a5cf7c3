"""Replications as a dimension, and common random numbers, with real dbt on the fixture census.

The CLI has no replications option yet, so these drive dbt the way the CLI does
(scripts.dbt_runner.run_dbt: one `dbt build` per year, the year in PLANALIGN_YEAR) with
var replications set.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from conftest import END, START, query, run_planalign, write_scenario
from digests import table_digest
from planalign.dbt.runner import run_dbt, year_selection
from planalign.keys import Replications, RunKey
from planalign.store import db as planalign_db
from planalign.store import runsafety

YEARS = (START, START + 1)
WORKFORCE = ("employee_id, employee_source, employment_status, birth_date, hire_date, termination_date, "
             "termination_reason, job_level, annual_compensation, prorated_compensation, age, tenure_years")
WORKFORCE_EVENTS = ("employee_id, event_type, effective_date, compensation_before, compensation_after, "
                    "job_level_before, job_level_after, reason, probability, draw, birth_date")
DIGESTS = "event_rows, events_digest, snapshot_rows, snapshot_digest"


def build(db: Path, census: Path, replications: list[int], years=YEARS, scenario_id: str = "rep",
          plan_design_id: str = "baseline") -> None:
    variables = {"scenario_id": scenario_id, "plan_design_id": plan_design_id, "random_seed": 42,
                 "start_year": START, "census_path": str(census), "replications": replications}
    run_id = f"test-{uuid.uuid4().hex[:12]}"
    for year in years:
        run = run_dbt(["build", *year_selection(year, START)], variables, year=year, run_id=run_id, database=db)
        assert run.returncode == 0, f"year {year} {replications}:\n{run.output[-4000:]}"


def digests(db: Path, replication: int, scenario_id: str = "rep") -> dict[int, tuple]:
    rows = query(db, f"select simulation_year, {DIGESTS} from rpt_year_digests "
                     "where scenario_id = ? and replication_id = ? order by 1", [scenario_id, replication])
    return {row[0]: row[1:] for row in rows}


def workforce(db: Path, scenario_id: str, plan_design_id: str, replication: int, year: int) -> tuple[str, str]:
    where = (f"scenario_id = '{scenario_id}' and plan_design_id = '{plan_design_id}' "
             f"and replication_id = {replication} and simulation_year = {year}")
    return (table_digest(db, f"(select {WORKFORCE} from fct_workforce_snapshot where {where})"),
            table_digest(db, f"(select {WORKFORCE_EVENTS} from fct_yearly_events where {where} "
                             "and event_type in ('hire', 'termination', 'promotion', 'raise'))"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory, fixture_census) -> dict:
    """Replications [1, 2, 3] in one database, [2] alone in another, two years each."""
    folder = tmp_path_factory.mktemp("replications")
    in_set, alone = folder / "set.duckdb", folder / "alone.duckdb"
    build(in_set, fixture_census, [1, 2, 3])
    build(alone, fixture_census, [2])
    return {"set": in_set, "alone": alone, "census": fixture_census}


def test_replication_alone_equals_replication_inside_a_set(runs):
    alone = digests(runs["alone"], 2)
    assert sorted(alone) == list(YEARS)
    assert digests(runs["set"], 2) == alone
    for table in ("fct_yearly_events", "fct_workforce_snapshot", "fct_headcount_plan"):
        where = "replication_id = 2"
        assert table_digest(runs["set"], table, where) == table_digest(runs["alone"], table, where), table
    # the replications of a set are different draws, each meeting its own headcount plan exactly
    assert len({digests(runs["set"], k)[START + 1][1] for k in (1, 2, 3)}) == 3
    plans = query(runs["set"], "select replication_id, count(*) from fct_headcount_plan group by 1 order by 1")
    assert plans == [(1, 2), (2, 2), (3, 2)]


def test_same_list_twice_same_digests_and_other_replications_untouched(runs):
    db = runs["set"]
    before = {k: digests(db, k) for k in (1, 2, 3)}
    rows_before = query(db, "select replication_id, count(*) from fct_yearly_events group by 1 order by 1")
    build(db, runs["census"], [1, 2, 3], years=(START + 1,))
    assert {k: digests(db, k) for k in (1, 2, 3)} == before

    # its checkpoint holds the aggregate over the run's replications (what resume recomputes)
    checkpoint = runsafety.read_checkpoint(db, RunKey("rep", "baseline", Replications(3)), START + 1)
    assert checkpoint is not None and checkpoint["replications"] == [1, 2, 3]
    aggregate = query(db, """
        select sum(event_rows),
               md5(string_agg(cast(replication_id as varchar) || ':' || events_digest, '|' order by replication_id)),
               sum(snapshot_rows),
               md5(string_agg(cast(replication_id as varchar) || ':' || snapshot_digest, '|' order by replication_id))
        from rpt_year_digests where scenario_id = 'rep' and simulation_year = ? and replication_id in (1, 2, 3)""",
                      [START + 1])[0]
    assert (checkpoint["event_rows"], checkpoint["events_digest"],
            checkpoint["snapshot_rows"], checkpoint["snapshot_digest"]) == aggregate

    build(db, runs["census"], [2], years=(START + 1,))  # re-runs replication 2 only: 1 and 3 stay
    assert {k: digests(db, k) for k in (1, 2, 3)} == before
    assert query(db, "select replication_id, count(*) from fct_yearly_events group by 1 order by 1") == rows_before

def test_common_random_numbers_across_scenarios_and_plan_designs(runs):
    """Another scenario_id with the same settings, and another plan design, draw the same workforce."""
    db = runs["alone"]
    build(db, runs["census"], [2], years=(START,), scenario_id="rep_twin")
    build(db, runs["census"], [2], years=(START,), plan_design_id="qaca")
    reference = workforce(db, "rep", "baseline", 2, START)
    assert workforce(db, "rep_twin", "baseline", 2, START) == reference
    assert workforce(db, "rep", "qaca", 2, START) == reference
    # ... while the plan itself differs, and event ids stay scenario-specific
    costs = dict(query(db, """select plan_design_id, sum(employer_match_amount + employer_core_amount)
                               from fct_workforce_snapshot where scenario_id = 'rep' and simulation_year = ?
                               group by 1""", [START]))
    assert costs["baseline"] != costs["qaca"]
    shared = query(db, """select count(*) from fct_yearly_events a inner join fct_yearly_events b
                          using (event_id) where a.scenario_id = 'rep' and b.scenario_id = 'rep_twin'""")
    assert shared == [(0,)]


YEARLY_MARTS = ("fct_yearly_events", "fct_workforce_snapshot", "fct_headcount_plan", "fct_irs_limits")


def stored_keys(db: Path, scenario_id: str) -> dict[str, list[tuple[int, int]]]:
    """Per yearly mart, the (replication_id, simulation_year) pairs the scenario has stored."""
    return {table: query(db, f"select distinct replication_id, simulation_year from {table} "
                             "where scenario_id = ? order by all", [scenario_id]) for table in YEARLY_MARTS}


def test_a_smaller_set_removes_the_replications_above_it_from_every_yearly_mart(runs, tmp_path):
    """A run of 1 replication after a set of 3 removes replications 2 and 3 (the CLI's clear of replications
    above N) from every mart stored by replication and year: fct_irs_limits keeps no orphan rows."""
    db = tmp_path / "shrunk.duckdb"
    shutil.copyfile(runs["set"], db)
    scenario = write_scenario(tmp_path / "rep.yml", runs["census"], scenario_id="rep", end_year=START + 1)
    run_planalign("simulate", "--scenario", str(scenario), "--replications", "1", "--end", str(START), db=db)
    keys = stored_keys(db, "rep")
    assert keys["fct_workforce_snapshot"] == [(1, START), (1, START + 1)]
    assert keys == {table: keys["fct_workforce_snapshot"] for table in keys}


def test_clearing_years_removes_them_from_every_yearly_mart(simulated, tmp_path):
    """The clear of `--clear all` and of stale later years (planalign.store.db.clear_rows from a year on) removes those
    years from every mart stored by replication and year, fct_irs_limits included."""
    db = tmp_path / "cleared.duckdb"
    shutil.copyfile(simulated["db"], db)
    assert stored_keys(db, "fixture")["fct_irs_limits"] == [(0, year) for year in range(START, END + 1)]
    planalign_db.clear_rows(db, RunKey("fixture", "baseline"), from_year=START + 1)
    assert stored_keys(db, "fixture") == {table: [(0, START)] for table in YEARLY_MARTS}
    planalign_db.clear_rows(db, RunKey("fixture", "baseline"), from_year=START)
    assert stored_keys(db, "fixture") == {table: [] for table in YEARLY_MARTS}
