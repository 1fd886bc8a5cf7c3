"""Retry only what can succeed: the classifier on real error texts of DuckDB, dbt and the OS, one per class,
and a year whose database is a directory, which fails once instead of being retried for half a minute."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from conftest import ROOT, START, query, run_planalign, write_scenario
from digests import table_digest
from planalign.dbt.runner import test_name as failed_test_name
from planalign.engine import years
from planalign.engine.config import resolve
from planalign.errors import PlanAlignError
from planalign.store import failures


def duckdb_error(database: str | None = None, sql: str | None = None) -> str:
    try:
        con = duckdb.connect(database or ":memory:")
        if sql:
            con.execute(sql).fetchall()
        con.close()
    except duckdb.Error as exc:
        return str(exc)
    raise AssertionError("no error")


def os_error(action) -> OSError:
    try:
        action()
    except OSError as exc:
        return exc
    raise AssertionError("no error")


def write_to_full_disk() -> None:
    with open("/dev/full", "w") as handle:  # a device that is always full
        handle.write("x")
        handle.flush()


def dbt_schema_drift_message() -> str:
    """The text dbt itself raises when an incremental model's columns changed (on_schema_change='fail')."""
    macro = Path(sys.executable).parent.parent.glob(
        "lib/python*/site-packages/dbt/include/global_project/macros/materializations/models/incremental/"
        "on_schema_change.sql")
    text = next(macro).read_text()
    return next(line.strip() for line in text.splitlines() if "out of sync" in line)


def test_permanent_failures_are_never_retried(tmp_path):
    folder = tmp_path / "a_folder.duckdb"
    folder.mkdir()
    not_db = tmp_path / "people.duckdb"
    not_db.write_text("employee_id,birth_date\nA,1980-01-01\n")
    cases = {
        "is_a_directory": duckdb_error(str(folder)),
        "not_a_database": duckdb_error(str(not_db)),
        "conversion": duckdb_error(sql="select 'abc'::integer"),
        "out_of_range": duckdb_error(sql="select 2147483647::integer + 1"),
        "schema_mismatch": dbt_schema_drift_message(),
        # root may write anywhere by permission, but not create files in /sys: a real EACCES
        "permission_denied": str(os_error(lambda: os.open("/sys/planalign.duckdb", os.O_CREAT | os.O_WRONLY))),
        "disk_full": str(os_error(write_to_full_disk)),
        "unknown": "Compilation Error in model int_hires_generated: 'foo' is undefined",
    }
    for reason, text in cases.items():
        failure = failures.classify(text)
        assert failure == failures.Failure(False, reason), (reason, text)
    assert failures.classify_os_error(os_error(write_to_full_disk)) == failures.Failure(False, "disk_full")


def test_a_lock_held_by_another_program_and_interrupted_io_are_transient(tmp_path):
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys\n"
        f"con = duckdb.connect({str(db)!r})\n"
        "print('holding', flush=True)\n"
        "sys.stdin.readline()\n")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        conflict = duckdb_error(str(db))
    finally:
        holder.communicate("done\n", timeout=30)
    assert failures.classify(conflict) == failures.Failure(True, "lock_conflict"), conflict
    interrupted = OSError(errno.EINTR, os.strerror(errno.EINTR))
    assert failures.classify_os_error(interrupted) == failures.Failure(True, "interrupted_io")
    assert failures.classify(f"IO Error: Could not read from file: {os.strerror(errno.EAGAIN)}").transient
    # a permanent cause wins over a transient-looking wrapper
    assert not failures.classify(f"Could not set lock on file: {os.strerror(errno.EACCES)}").transient


def test_a_year_whose_database_is_a_directory_fails_once_without_retries(tmp_path, fixture_census, capsys):
    """The engine itself (the CLI refuses such a path earlier): 3 retries over 27 s before, one dbt call now."""
    database = tmp_path / "planalign.duckdb"
    database.mkdir()
    effective = resolve(write_scenario(tmp_path / "s.yml", fixture_census, end_year=START))
    run = years.Run(database, "simulate")
    plan = years.plan_years(database, effective, START, START, "year")
    with pytest.raises(PlanAlignError) as refused:
        years.execute(run, plan)
    output = capsys.readouterr()
    assert "Is a directory" in refused.value.message
    assert "transient failure" not in output.out + output.err and "retry" not in output.out + output.err
    events = [json.loads(line)["event"] for line in (ROOT / "logs" / f"run_{run.run_id}.jsonl").open()]
    assert "pair_start" in events and "retry" not in events


@pytest.mark.parametrize("table", ["fct_yearly_events", "fct_workforce_snapshot"])
def test_a_mart_stored_by_another_version_stops_the_year_before_it_writes(table, simulated, tmp_path):
    """The marts written by year_append (no temporary copy) keep incremental's on_schema_change 'fail': a stored
    table with a column this version does not write stops the year with one clear line, nothing changed."""

    db = tmp_path / "older.duckdb"
    db.write_bytes(simulated["db"].read_bytes())
    with duckdb.connect(str(db)) as con:
        con.execute(f"alter table {table} add column legacy_flag boolean")
    before = table_digest(db, table)
    result = run_planalign("year", "--scenario", str(simulated["scenario"]), str(START + 1), db=db, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert f"{table} in this database has other columns than this version of PlanAlign writes" in output, output
    newest_log = max((ROOT / "logs").glob("dbt_*.log"), key=lambda path: path.stat().st_mtime)
    assert "legacy_flag boolean" in newest_log.read_text(), "the dbt log names the column"
    assert table_digest(db, table) == before
    assert query(db, f"select count(*) from {table} where simulation_year = {START + 1}")[0][0] > 0


def test_a_failed_generic_test_is_named_by_its_stored_table_not_its_hash():
    generic = "test.planalign.row_rules_fct_workforce_snapshot_termination_date_is_null.6c640c03dc"
    manifest = SimpleNamespace(nodes={generic: SimpleNamespace(alias="critical_snapshot_row_rules")})
    assert failed_test_name(generic, {"parsed": manifest}) == "critical_snapshot_row_rules"
    assert failed_test_name(generic, {}) == "row_rules_fct_workforce_snapshot_termination_date_is_null"
    singular = "test.planalign.assert_no_event_after_termination"
    assert failed_test_name(singular, {}) == "assert_no_event_after_termination"
