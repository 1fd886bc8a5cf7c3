"""Retry only what can succeed: the classifier on real error texts of DuckDB and the OS, and a failed
generic test named by its stored table."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

from conftest import duckdb_error, os_error
from planalign.dbt.runner import test_name as failed_test_name
from planalign.store import failures


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


def test_a_failed_generic_test_is_named_by_its_stored_table_not_its_hash():
    generic = "test.planalign.row_rules_fct_workforce_snapshot_termination_date_is_null.6c640c03dc"
    manifest = SimpleNamespace(nodes={generic: SimpleNamespace(alias="critical_snapshot_row_rules")})
    assert failed_test_name(generic, {"parsed": manifest}) == "critical_snapshot_row_rules"
    assert failed_test_name(generic, {}) == "row_rules_fct_workforce_snapshot_termination_date_is_null"
    singular = "test.planalign.assert_no_event_after_termination"
    assert failed_test_name(singular, {}) == "assert_no_event_after_termination"
