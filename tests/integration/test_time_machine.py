"""The time machine (workforce-at), one employee's timeline, and the progress line of a run."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from decimal import Decimal

import duckdb

from conftest import END, START, query, reports_of, run_planalign
from planalign.cli.console import parse_progress

# the columns the time machine reports that the year's snapshot also holds
COLUMNS = ("employee_id", "employment_status", "hire_date", "termination_date", "job_level",
           "annual_compensation", "deferral_rate", "enrollment_status")


def _workforce_at(db, date: dt.date) -> tuple[dict[str, dict], str]:
    result = run_planalign("workforce-at", "--date", date.isoformat(), "--scenario", "fixture", db=db)
    path = reports_of(db) / "fixture" / "baseline" / f"workforce_{date.isoformat()}.csv"
    with path.open(newline="") as handle:
        rows = {row["employee_id"]: row for row in csv.DictReader(handle)}
    return rows, result.stdout


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):  # the snapshot keeps deferral rates as doubles
        return f"{Decimal(str(value)).quantize(Decimal('0.000001'))}"
    return str(value)


def test_on_every_december_31_the_time_machine_equals_the_snapshot(simulated):
    """Folded from the census and the events alone; only the balances are the last year end's."""
    db = simulated["db"]
    for year in range(START, END + 1):
        rows, output = _workforce_at(db, dt.date(year, 12, 31))
        snapshot = {row[0]: dict(zip(COLUMNS, map(_text, row), strict=True)) for row in query(
            db, f"select {', '.join(COLUMNS)} from fct_workforce_snapshot where scenario_id = 'fixture' "
                "and replication_id = 0 and simulation_year = ?", [year])}
        assert rows.keys() == snapshot.keys(), year
        for employee_id, want in snapshot.items():
            got = {column: rows[employee_id][column] for column in COLUMNS}
            assert got == want, (year, employee_id)
        balances = dict(query(db, "select employee_id, total_balance_amount from fct_workforce_snapshot "
                                  "where scenario_id = 'fixture' and replication_id = 0 and simulation_year = ?",
                                  [year - 1]))
        assert all(Decimal(row["prior_year_end_total_balance_amount"]) == balances.get(employee_id, 0)
                   for employee_id, row in rows.items())
        end_headcount = sum(1 for row in snapshot.values() if row["employment_status"] == "active")
        assert f"{end_headcount:,} active" in output


def test_mid_year_headcount_is_the_start_plus_hires_less_terminations_to_date_and_nobody_hired_later(simulated):
    """Not "between the start and end headcounts": hires lead terminations in the year (new-hire
    terminations come months after the hire), so the mid-year headcount can peak above both."""
    db = simulated["db"]
    year = START + 1
    date = dt.date(year, 6, 30)
    rows, _ = _workforce_at(db, date)
    (start,), = query(db, "select start_headcount from rpt_year_audit "
                          "where scenario_id = 'fixture' and replication_id = 0 and simulation_year = ?", [year])
    (hires, terminations), = query(
        db, "select count(*) filter (where event_type = 'hire'), count(*) filter (where event_type = 'termination') "
            "from fct_yearly_events where scenario_id = 'fixture' and replication_id = 0 and simulation_year = ? "
            "and effective_date <= ?", [year, date])
    active = sum(1 for row in rows.values() if row["employment_status"] == "active")
    assert active == start + hires - terminations
    assert start - terminations < active < start + hires
    assert all(dt.date.fromisoformat(row["hire_date"]) <= date for row in rows.values())
    assert all(not row["termination_date"] or dt.date.fromisoformat(row["termination_date"]) <= date
               for row in rows.values())
    later_hires = {row[0] for row in query(
        db, "select employee_id from fct_yearly_events where scenario_id = 'fixture' and event_type = 'hire' "
            "and effective_date > ?", [date])}
    assert later_hires and not later_hires & rows.keys()


def test_a_date_outside_the_simulated_years_is_one_clear_error(simulated):
    result = run_planalign("workforce-at", "--date", f"{END + 5}-01-01", "--scenario", "fixture",
                           db=simulated["db"], check=False)
    assert result.returncode == 2 and "not in a simulated year" in result.stderr and "Traceback" not in result.stderr


def test_a_database_without_the_record_of_its_job_levels_is_refused_in_one_line(simulated, tmp_path):
    """A database (or a run) from before dim_assumptions existed: refused with what to do, nothing written;
    the same database with the record works."""
    old = tmp_path / "old.duckdb"
    shutil.copy(simulated["db"], old)
    date = f"{START}-06-30"
    out = reports_of(old) / "fixture" / "baseline" / f"workforce_{date}.csv"
    for change in ("delete from dim_assumptions where scenario_id = 'fixture'", "drop table dim_assumptions"):
        with duckdb.connect(str(old)) as con:
            con.execute(change)
        out.unlink(missing_ok=True)
        result = run_planalign("workforce-at", "--date", date, "--scenario", "fixture", db=old, check=False)
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert result.returncode == 2 and len(errors) == 1, result.stderr
        assert "has no record of the job levels fixture/baseline was run with" in errors[0]
        assert "make simulate SCENARIO=fixture" in result.stderr and "Traceback" not in result.stderr
        assert not out.exists()
    run_planalign("workforce-at", "--date", date, "--scenario", "fixture", db=simulated["db"])
    assert (reports_of(simulated["db"]) / "fixture" / "baseline" / f"workforce_{date}.csv").exists()


def test_the_timeline_holds_exactly_the_employees_events(simulated):
    db = simulated["db"]
    (employee_id,), = query(db, "select employee_id from fct_yearly_events where scenario_id = 'fixture' "
                                "group by employee_id order by count(*) desc, employee_id limit 1")
    result = run_planalign("timeline", "--employee", employee_id, "--scenario", "fixture", db=db)
    path = reports_of(db) / "fixture" / "baseline" / f"timeline_{employee_id}.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = query(db, "select event_id, simulation_year, event_sequence from fct_yearly_events "
                         "where scenario_id = 'fixture' and replication_id = 0 and employee_id = ? "
                         "order by simulation_year, event_sequence, effective_date, event_id", [employee_id])
    assert [row["event_id"] for row in rows] == [row[0] for row in expected]
    assert f"{len(expected)} events" in result.stdout
    header = result.stdout.splitlines()[1]
    assert header.split()[:4] == ["year", "seq", "date", "event"]


def test_an_unknown_employee_is_one_clear_error(simulated):
    result = run_planalign("timeline", "--employee", "EMP_NOBODY", "--scenario", "fixture",
                           db=simulated["db"], check=False)
    assert result.returncode == 2
    assert "EMP_NOBODY" in result.stderr and "hint:" in result.stderr and "Traceback" not in result.stderr




def test_a_run_whose_output_is_not_a_terminal_shows_no_progress(simulated):
    assert "\r" not in simulated["output"] and " START " not in simulated["output"]
    assert not any(parse_progress(line) for line in simulated["output"].splitlines())
