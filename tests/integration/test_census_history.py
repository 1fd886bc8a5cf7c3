"""census-history: the engine's own yearly snapshots as census files. Deterministic to the byte, the two leaver
conventions differ exactly by the leaver rows, every file is the simulated state, and the last one is
accepted as a census by `planalign simulate` (a backtest starts from it)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conftest import ROOT, query, run_planalign

N, YEARS, START = 300, 3, 2025  # the generated 2025 file, then the states after 2025 and 2026


def history(folder: Path, leavers: str) -> Path:
    run_planalign("census-history", "--n", str(N), "--years", str(YEARS), "--scenario", "baseline",
                  "--out", str(folder), "--seed", "5", "--leavers", leavers, db=folder.parent / "unused.duckdb")
    return folder


@pytest.fixture(scope="module")
def dated(tmp_path_factory) -> Path:
    return history(tmp_path_factory.mktemp("dated") / "history", "dated")


@pytest.fixture(scope="module")
def absent(tmp_path_factory) -> Path:
    return history(tmp_path_factory.mktemp("absent") / "history", "absent")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_files_are_named_by_the_year_they_open_and_keep_the_census_layout(dated):
    files = sorted(p.name for p in dated.glob("census_*.csv"))
    assert files == [f"census_{START + i}.csv" for i in range(YEARS)]
    generated_header = lines(dated / f"census_{START}.csv")[0]
    # a simulated year's file adds what the year leaves to the next (the year's wages, the Dec 31 balances)
    carried = "prior_year_compensation,account_balance_deferral,account_balance_match,account_balance_core"
    for name in files[1:]:
        assert lines(dated / name)[0] == f"{generated_header},{carried}"
    later = rows(dated / f"census_{START + 2}.csv")
    hires = [row for row in later if row["employee_id"].startswith("NH_")]
    assert hires, "the hires of the simulated years are in the later files"
    # participants carry their deferral rate and enrollment date; every SSN is synthetic (the never-issued 9xx)
    assert any(row["deferral_rate"] not in ("", "0.0000") and row["enrollment_date"] for row in hires)
    assert all(row["ssn"][:1] == "9" and len(row["ssn"]) == 11 for row in later)


def test_each_file_is_the_state_the_engine_left(dated):
    database = dated / "run" / "history.duckdb"
    for year in (START, START + 1):
        state = rows(dated / f"census_{year + 1}.csv")
        actives = [row for row in state if not row["termination_date"]]
        leavers = [row for row in state if row["termination_date"]]
        expected = query(database, "select count(*) filter (employment_status = 'active'), "
                                   "count(*) filter (employment_status <> 'active'), "
                                   "sum(annual_compensation) filter (employment_status = 'active') "
                                   "from fct_workforce_snapshot where simulation_year = ?", [year])[0]
        assert (len(actives), len(leavers)) == expected[:2]
        assert f"{sum(float(row['annual_compensation']) for row in actives):.2f}" == f"{expected[2]:.2f}"
        # a leaver left during the year before the file opens: before its Jan 1, so the census checks accept it
        assert all(f"{year}-01-01" <= row["termination_date"] <= f"{year}-12-31" for row in leavers)


def test_same_inputs_give_the_same_bytes(dated, tmp_path):
    again = history(tmp_path / "again", "dated")
    written = sorted(p.relative_to(dated) for p in dated.rglob("*") if p.is_file() and "run" not in p.parts)
    assert written == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file() and "run" not in p.parts)
    assert any(p.parts[0] == "truth" for p in written)
    for relative in written:
        assert (dated / relative).read_bytes() == (again / relative).read_bytes(), relative


def test_dated_and_absent_differ_exactly_by_the_leaver_rows(dated, absent):
    for year in range(START, START + YEARS):
        with_leavers = lines(dated / f"census_{year}.csv")
        without = lines(absent / f"census_{year}.csv")
        leaver_lines = [line for line, row in zip(with_leavers[1:], rows(dated / f"census_{year}.csv"), strict=True)
                        if row["termination_date"]]
        assert leaver_lines, f"census_{year}.csv has no leaver"
        assert [line for line in with_leavers if line not in set(leaver_lines)] == without


def test_truth_holds_the_settings_and_tables_the_engine_used(dated):
    truth = json.loads((dated / "truth" / "settings.json").read_text())
    assert truth["workforce"]["total_termination_rate"] == truth["engine_settings"]["total_termination_rate"] == 0.12
    assert truth["workforce"]["merit_scale"] == 1.0
    assert truth["simulated_years"] == [START, START + 1]
    assert truth["files"] == [f"census_{START + i}.csv" for i in range(YEARS)]
    engine = rows(dated / "truth" / "job_levels.csv")
    seed = rows(ROOT / "seeds" / "job_levels.csv")
    assert [float(row["merit_rate"]) for row in engine] == [float(row["merit_rate"]) for row in seed]
    assert [float(row["new_hire_weight"]) for row in engine] == [float(row["new_hire_weight"]) for row in seed]


def test_the_last_file_is_accepted_as_a_census(absent, dated, tmp_path):
    last = START + YEARS - 1
    database = tmp_path / "backtest.duckdb"
    run_planalign("simulate", "--census", str(dated / f"census_{last}.csv"), "--start", str(last),
                  "--end", str(last), db=database)
    counts = dict(query(database, "select row_status, sum(row_count) from rpt_census_reconciliation group by 1"))
    state = rows(dated / f"census_{last}.csv")
    assert counts == {"staged": sum(1 for row in state if not row["termination_date"]),
                      "excluded": sum(1 for row in state if row["termination_date"])}
    assert counts["staged"] == len(rows(absent / f"census_{last}.csv"))


def test_a_folder_that_holds_files_is_refused(dated):
    result = run_planalign("census-history", "--n", "10", "--out", str(dated), db=dated.parent / "unused.duckdb",
                           check=False)
    assert result.returncode == 2
    assert "already holds files" in result.stderr and "Traceback" not in result.stderr
