"""The critical dbt tests pass on a good run, and catch (and store) a broken one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from conftest import END, ROOT, query


def dbt_test_critical(db: Path, census: Path, year: int | None = None) -> subprocess.CompletedProcess:
    """`dbt test --select tag:critical` by hand, or (year given) scoped to that year as the CLI's build is."""
    env = {key: value for key, value in os.environ.items() if key != "PLANALIGN_YEAR"}
    env.update(PLANALIGN_DB=str(db), DBT_PROFILES_DIR=str(ROOT))
    if year is not None:
        env["PLANALIGN_YEAR"] = str(year)
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


def test_a_corrupt_earlier_year_is_caught_by_hand_but_not_read_by_a_later_years_build(simulated, tmp_path):
    """A year's build tests that year (and the one before it for cross-year checks); a run by hand
    (no year set) still checks every stored year."""
    broken = tmp_path / "broken_2025.duckdb"
    shutil.copy(simulated["db"], broken)
    with duckdb.connect(str(broken)) as con:
        # a snapshot row written twice (a generic grain test) and an event after a termination
        # (a singular tripwire), both in the start year
        duplicated = con.execute("""insert into fct_workforce_snapshot select * from fct_workforce_snapshot
            where simulation_year = 2025 and employee_id = (
                select min(employee_id) from fct_workforce_snapshot where simulation_year = 2025)""").fetchone()
        moved = con.execute("""update fct_yearly_events set effective_date = date '2025-12-31' where event_id = (
            select min(events.event_id) from fct_yearly_events as events
            inner join fct_yearly_events as terminations
                on events.employee_id = terminations.employee_id
                and events.simulation_year = terminations.simulation_year
                and terminations.event_type = 'termination'
                and terminations.effective_date < date '2025-12-31'
            where events.simulation_year = 2025 and events.event_type = 'hire')""").fetchone()
    assert duplicated == (1,) and moved == (1,)
    by_hand = dbt_test_critical(broken, simulated["census"])
    assert by_hand.returncode != 0
    for test in ("critical_snapshot_grain", "assert_no_event_after_termination"):
        assert test in by_hand.stdout
        stored = query(broken, f"select distinct simulation_year from main_dbt_test__audit.{test}")
        assert stored == [(2025,)], (test, stored)
    last_year = dbt_test_critical(broken, simulated["census"], year=END)
    assert last_year.returncode == 0, last_year.stdout[-3000:]


def test_a_broken_row_rule_is_caught_and_its_rows_name_the_rule(simulated, tmp_path):
    """A mart's row rules are one tripwire (critical_snapshot_row_rules); each failing row is stored once per
    rule it breaks, with the rule's name; a rule whose condition is null for a row lets it pass."""
    broken = tmp_path / "broken_rules.duckdb"
    shutil.copy(simulated["db"], broken)
    with duckdb.connect(str(broken)) as con:
        victim = con.execute("""select employee_id from fct_workforce_snapshot where simulation_year = 2026
            and employment_status = 'active' order by employee_id limit 1""").fetchone()[0]
        # active with a termination date before the hire date: two rules broken by one row
        con.execute("""update fct_workforce_snapshot set termination_date = hire_date - 1
            where simulation_year = 2026 and employee_id = ?""", [victim])
        con.execute("""update fct_yearly_events set event_type = 'bonus' where event_id = (
            select min(event_id) from fct_yearly_events where simulation_year = 2027 and event_type = 'raise')""")
    result = dbt_test_critical(broken, simulated["census"])
    assert result.returncode != 0
    stored = query(broken, "select failed_rule, employee_id, simulation_year "
                           "from main_dbt_test__audit.critical_snapshot_row_rules order by failed_rule")
    assert stored == [("status_matches_termination", victim, 2026), ("termination_not_before_hire", victim, 2026)]
    events = query(broken, "select failed_rule, event_type from main_dbt_test__audit.critical_event_row_rules")
    assert events == [("event_type_known", "bonus")]


def test_a_match_withheld_where_the_formula_applies_is_caught(simulated, tmp_path):
    """assert_match_where_formula_applies recomputes who is owed a match; only the unpaid are checked."""
    broken = tmp_path / "broken_match.duckdb"
    shutil.copy(simulated["db"], broken)
    with duckdb.connect(str(broken)) as con:
        victim = con.execute("""select employee_id from fct_workforce_snapshot where simulation_year = 2027
            and employer_match_amount > 0 and not is_415c_limited order by employee_id limit 1""").fetchone()[0]
        con.execute("""update fct_workforce_snapshot set employer_match_amount = 0
            where simulation_year = 2027 and employee_id = ?""", [victim])
    result = dbt_test_critical(broken, simulated["census"])
    assert result.returncode != 0
    stored = query(broken, "select employee_id, simulation_year, employer_match_amount "
                           "from main_dbt_test__audit.assert_match_where_formula_applies")
    assert stored == [(victim, 2027, 0)], stored


def test_a_stranger_in_the_snapshot_is_caught_by_hand_and_in_its_years_build(simulated, tmp_path):
    """assert_snapshot_traceable: a hire with no hire event and not in last year's snapshot, and a census
    employee not in the census, are strangers; the hires of earlier years (traced through last year's
    snapshot) are not."""
    broken = tmp_path / "broken_trace.duckdb"
    shutil.copy(simulated["db"], broken)
    with duckdb.connect(str(broken)) as con:
        for stranger, source in (("STRANGER_H", "hire"), ("STRANGER_C", "census")):
            con.execute(f"""insert into fct_workforce_snapshot select * replace ('{stranger}' as employee_id,
                '{source}' as employee_source) from fct_workforce_snapshot
                where simulation_year = 2027 order by employee_id limit 1""")
    expected = [("STRANGER_C", "census"), ("STRANGER_H", "hire")]
    for year in (None, 2027):
        result = dbt_test_critical(broken, simulated["census"], year=year)
        assert result.returncode != 0
        stored = query(broken, "select employee_id, employee_source "
                               "from main_dbt_test__audit.assert_snapshot_traceable order by 1")
        assert stored == expected, (year, stored)


def test_critical_tests_catch_a_pre_tax_catch_up_under_the_roth_rule(simulated, tmp_path):
    broken = tmp_path / "broken_roth.duckdb"
    shutil.copy(simulated["db"], broken)
    with duckdb.connect(str(broken)) as con:
        year, victim = con.execute("""select simulation_year, employee_id from fct_workforce_snapshot
            where is_roth_catch_up_required and catch_up_contribution_amount > 0
            order by simulation_year, employee_id limit 1""").fetchone()
        # the catch-up of an employee under IRC 414(v)(7) made pre-tax: the split still adds up to the deferral
        con.execute("""update fct_workforce_snapshot set roth_catch_up_contribution_amount = 0,
            roth_contribution_amount = 0, pre_tax_contribution_amount = employee_contribution_amount
            where simulation_year = ? and employee_id = ?""", [year, victim])
    result = dbt_test_critical(broken, simulated["census"])
    assert result.returncode != 0 and "assert_contributions_within_limits" in result.stdout
    stored = query(broken, "select simulation_year, employee_id "
                           "from main_dbt_test__audit.assert_contributions_within_limits")
    assert stored == [(year, victim)]
