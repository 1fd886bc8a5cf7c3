"""make bench / bench-compare: the record's CSV and Markdown (cheap), and one real smoke run (no times asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, bench_row, run_planalign
from planalign.bench import results as bench_results


@pytest.mark.parametrize("args", [("bench", "--n", "0"), ("bench", "--n", "ten"),
                                  ("bench", "--n", "10", "--years", "0")])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args):
    results = tmp_path / "results.csv"
    result = run_planalign(*args, "--results", str(results), db=tmp_path / "unused.duckdb", check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: bench:") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and not results.exists()


def test_compare_with_nothing_to_compare_says_so(tmp_path):
    results = tmp_path / "results.csv"
    bench_results.append_row(results, bench_row(10_000, 20.0, "a"))
    result = run_planalign("bench-compare", "--results", str(results), db=tmp_path / "unused.duckdb", check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no census size measured twice" in result.stderr


def test_bench_smoke_run_records_a_complete_row(tmp_path):
    """2,000 employees x 2 years through the real CLI, into a temporary record: the committed one is untouched."""
    committed = ROOT / "benchmarks" / "results.csv"
    before = committed.read_bytes()
    results = tmp_path / "results.csv"
    result = run_planalign("bench", "--n", "2000", "--years", "2", "--notes", "pytest smoke",
                           db=tmp_path / "unused.duckdb", env_extra={"PLANALIGN_BENCH_RESULTS": str(results)})
    assert committed.read_bytes() == before
    assert "| employees | years | wall s |" in result.stdout and "| 2,000 | 2 |" in result.stdout
    rows = bench_results.read_rows(results)
    assert len(rows) == 1
    row = rows[0]
    optional = {"planalign_threads", "planalign_memory_limit", "planalign_dbt_threads", "planalign_dbt_log_level",
                "planalign_keep_intermediate", "load_1m"}
    assert [column for column in bench_results.COLUMNS if column not in optional and not row[column]] == []
    wall, sql = float(row["wall_seconds"]), float(row["sql_seconds"])
    assert wall > 0 and 0 < sql <= wall
    assert 0 < float(row["test_seconds"]) < sql
    assert abs(float(row["other_seconds"]) - (wall - sql)) < 0.02
    years = [float(seconds) for seconds in row["year_seconds"].split("/")]
    assert len(years) == 2 and all(seconds > 0 for seconds in years) and sum(years) <= wall
    assert int(row["event_rows"]) > 0 and int(row["snapshot_rows"]) >= 2 * 2000 * 0.9
    assert int(row["dbt_invocations"]) >= 2 and int(row["node_runs"]) > 0
    assert 0 < int(row["peak_rss_largest_mib"]) <= int(row["peak_rss_tree_mib"])
    assert float(row["database_mib"]) > 0
    assert (int(row["employees"]), int(row["years"]), row["notes"]) == (2000, 2, "pytest smoke")
    assert row["git_dirty"] in {"0", "1"} and Path(ROOT / "bench" / "census_2000_7.parquet").exists()
