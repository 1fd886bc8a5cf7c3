"""The critical dbt tests pass on a good run, and catch (and store) a broken one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from conftest import ROOT, query


def dbt_test_critical(db: Path, census: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PLANALIGN_DB=str(db), DBT_PROFILES_DIR=str(ROOT))
    return subprocess.run([str(Path(sys.executable).parent / "dbt"), "test", "--select", "tag:critical",
                           "--vars", f"{{census_path: '{census}', scenario_id: fixture}}"],
                          cwd=ROOT, env=env, capture_output=True, text=True)


def test_critical_tests_pass_on_a_good_run(simulated):
    result = dbt_test_critical(simulated["db"], simulated["census"])
    assert result.returncode == 0, result.stdout[-3000:]


def test_critical_tests_catch_a_lost_hire_and_store_its_rows(simulated, tmp_path):
    broken = tmp_path / "broken.duckdb"
    shutil.copy(simulated["db"], broken)
    with duckdb.connect(str(broken)) as con:
        con.execute("""delete from fct_yearly_events where event_id = (
            select min(event_id) from fct_yearly_events where event_type = 'hire' and simulation_year = 2026)""")
    result = dbt_test_critical(broken, simulated["census"])
    assert result.returncode != 0
    assert "assert_headcount_meets_plan" in result.stdout
    stored = query(broken, "select simulation_year, planned_hires, actual_hires "
                           "from main_dbt_test__audit.assert_headcount_meets_plan")
    assert len(stored) == 1 and stored[0][0] == 2026 and stored[0][1] == stored[0][2] + 1


def test_critical_tests_catch_plan_money_out_of_line_and_store_it(simulated, tmp_path):
    broken = tmp_path / "broken_plan.duckdb"
    shutil.copy(simulated["db"], broken)
    with duckdb.connect(str(broken)) as con:
        victim = con.execute("""select employee_id from fct_workforce_snapshot
            where simulation_year = 2026 and employer_match_amount > 0 order by employee_id limit 1""").fetchone()[0]
        # a deferral far above 402(g), and its match event lost
        con.execute("""update fct_workforce_snapshot set employee_contribution_amount = 99999
            where simulation_year = 2026 and employee_id = ?""", [victim])
        con.execute("""delete from fct_yearly_events
            where simulation_year = 2026 and employee_id = ? and event_type = 'employer_match'""", [victim])
    result = dbt_test_critical(broken, simulated["census"])
    assert result.returncode != 0
    for test in ("assert_contributions_within_limits", "assert_contributions_recorded"):
        assert test in result.stdout
        stored = query(broken, f"select employee_id, simulation_year from main_dbt_test__audit.{test}")
        assert stored == [(victim, 2026)], (test, stored)
