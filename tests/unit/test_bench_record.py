"""make bench / bench-compare: the record's CSV and Markdown, and the bench's small helpers."""

from __future__ import annotations

import csv

import pytest

from conftest import bench_row
from planalign.bench import results as bench_results
from planalign.bench.run import _error_line, year_seconds


def test_append_writes_the_header_once_and_every_column(tmp_path):
    path = tmp_path / "benchmarks" / "results.csv"
    bench_results.append_row(path, bench_row(10_000, 20.0, "aaa"))
    bench_results.append_row(path, bench_row(10_000, 15.0, "bbb", notes="busy, noisy"))
    lines = path.read_text().splitlines()
    assert lines[0] == ",".join(bench_results.COLUMNS)
    assert len(lines) == 3
    rows = bench_results.read_rows(path)
    assert [row["git_sha"] for row in rows] == ["aaa", "bbb"]
    assert rows[1]["notes"] == "busy, noisy" and rows[0]["notes"] == ""
    assert all(list(row) == list(bench_results.COLUMNS) for row in rows)


def test_append_rewrites_a_file_with_an_older_header(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("date_utc,git_sha,employees,years,wall_seconds,retired_column\n"
                    "2026-01-01T00:00:00Z,old,100,5,9.5,x\n")
    bench_results.append_row(path, bench_row(100, 8.0, "new"))
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == bench_results.COLUMNS
        rows = list(reader)
    assert [(row["git_sha"], row["wall_seconds"], row["replications"]) for row in rows] == [
        ("old", "9.5", ""), ("new", "8.0", "0")]


def test_append_refuses_an_unknown_column(tmp_path):
    with pytest.raises(ValueError, match="wall_time"):
        bench_results.append_row(tmp_path / "r.csv", {"wall_time": 1})


def test_run_table_is_markdown_with_formatted_numbers():
    rows = [bench_row(100_000, 71.234, "abc"), bench_row(1_000_000, 582.0, "abc")]
    table = bench_results.run_table(rows).splitlines()
    assert table[0].startswith("| employees | years | wall s | per year s |")
    assert set(table[1].replace(" ", "")) == {"|", "-"}
    assert table[2].startswith("| 100,000 | 5 | 71.2 | 3.0/2.0 | 35.6 | 50% | 25% | 400 | 300 | 5 | 410 | 12,345 |")
    assert table[3].startswith("| 1,000,000 |")
    assert all(line.count("|") == table[0].count("|") for line in table)


def test_compare_pairs_the_latest_row_with_the_previous_of_the_same_size_and_years():
    rows = [bench_row(10_000, 20.0, "a1"), bench_row(100_000, 70.0, "a1"), bench_row(10_000, 16.0, "b2"),
            bench_row(10_000, 9.0, "c3", years=2), bench_row(100_000, 35.0, "c3", git_dirty=1),
            bench_row(1_000_000, 500.0, "c3")]
    rows = [{key: str(value) for key, value in row.items()} for row in rows]
    pairs = bench_results.latest_pairs(rows)
    assert [(p["git_sha"], latest["git_sha"]) for p, latest in pairs] == [("a1", "b2"), ("a1", "c3")]
    table = bench_results.compare_table(rows)
    assert table is not None
    lines = table.splitlines()
    assert lines[0] == "| census | metric | previous | latest | ratio |"
    assert "| 10,000 × 5 years | wall s | 20.0 | 16.0 | 0.80 |" in lines
    assert "| 100,000 × 5 years | wall s | 70.0 | 35.0 | 0.50 |" in lines
    assert any(line.startswith("| 100,000 × 5 years | run |") and "c3+dirty" in line for line in lines)
    assert not any("1,000,000" in line for line in lines)  # measured once: nothing to compare
    assert bench_results.compare_table(rows[:2]) is None


def test_year_seconds_and_error_line():
    assert year_seconds(100.0, [(2025, 112.5), (2026, 120.0)]) == [12.5, 7.5]
    stderr = "some warning\nerror: year 2025: 1 data test(s) failed: x (3 rows)\n  hint: see RUNBOOK.md\n"
    assert _error_line("", stderr) == "year 2025: 1 data test(s) failed: x (3 rows); hint: see RUNBOOK.md"
    assert _error_line("last words\n", "") == "last words"
