"""Retry only what can succeed: the classifier on real error texts of DuckDB, dbt and the OS, one per class,
and a year whose database is a directory, which fails once instead of being retried for half a minute."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import duckdb
import pytest

from conftest import ROOT, START, duckdb_error, query, run_planalign, write_scenario
from digests import table_digest
from planalign.cli.console import Console
from planalign.engine import years
from planalign.engine.config import resolve
from planalign.errors import PlanAlignError
from planalign.store import failures


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
    run = years.Run(database, "simulate", Console())  # the console observer: its retry lines would show
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
    # this run's dbt log (its run id ends in the process id; other pytest-xdist workers write logs meanwhile)
    (log,) = (ROOT / "logs").glob(f"dbt_*_{result.pid}_{START + 1}.log")
    assert "legacy_flag boolean" in log.read_text(), "the dbt log names the column"
    assert table_digest(db, table) == before
    assert query(db, f"select count(*) from {table} where simulation_year = {START + 1}")[0][0] > 0


