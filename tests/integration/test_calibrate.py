"""calibrate: the solved scale meets the target pay growth, the written scenario reproduces the reported growth
exactly (every evaluation is deterministic), an unreachable target is refused in one line, and the neutral
scales leave a run byte-identical."""

from __future__ import annotations

import re

import yaml

from conftest import END, START, query, run_planalign, write_scenario
from digests import table_digest

TARGET = 0.045


def pay_growth(db, years: int) -> float:
    """Recomputed here from the tables: CAGR of the mean pay, staged census -> Dec 31 actives of the end year."""
    census = query(db, "select avg(annual_compensation) from stg_census__employees")[0][0]
    end = query(db, "select avg(annual_compensation) from fct_workforce_snapshot where employment_status = 'active' "
                    "and simulation_year = (select max(simulation_year) from fct_workforce_snapshot)")[0][0]
    return (end / census) ** (1 / years) - 1


def test_calibrated_merit_scale_meets_the_target_and_reproduces(simulated, tmp_path):
    scenario = write_scenario(tmp_path / "small.yml", simulated["census"], end_year=START + 1)
    calibrated, report = tmp_path / "small_calibrated.yml", tmp_path / "calibration.md"
    result = run_planalign("calibrate", "--scenario", str(scenario), "--target-pay-growth", str(TARGET),
                           "--scenario-out", str(calibrated), "--report-out", str(report),
                           db=tmp_path / "unused.duckdb")
    evaluations = re.findall(r"scale (\d+\.\d+): average pay growth (-?\d+\.\d+)%", result.stdout)
    assert len(evaluations) >= 3, result.stdout  # the bracket's two ends, then at least one search step
    written = yaml.safe_load(calibrated.read_text())
    scale = written["workforce"]["merit_scale"]
    assert written["extends"] == str(scenario) and written["scenario_id"] == "fixture_calibrated"
    reported = {float(s): float(g) / 100 for s, g in evaluations}[scale]
    assert abs(reported - TARGET) <= 0.0005
    assert f"{scale!r}" in report.read_text()
    # the written scenario, simulated as a user would, gives exactly the growth the search reported
    db = tmp_path / "check.duckdb"
    run_planalign("simulate", "--scenario", str(calibrated), db=db)
    assert f"{pay_growth(db, 2):.4%}" == f"{reported:.4%}"
    assert abs(pay_growth(db, 2) - TARGET) <= 0.0005


def test_an_unreachable_target_is_refused_in_one_line(simulated, tmp_path):
    scenario = write_scenario(tmp_path / "one.yml", simulated["census"], end_year=START)
    result = run_planalign("calibrate", "--scenario", str(scenario), "--target-pay-growth", "0.5",
                           "--solve", "cola", "--high", "1", "--scenario-out", str(tmp_path / "never.yml"),
                           db=tmp_path / "unused.duckdb", check=False)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "unreachable with workforce.cola_scale in [0, 1]" in errors[0], result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "never.yml").exists()


def test_neutral_scales_leave_the_run_byte_identical(simulated, tmp_path):
    db = tmp_path / "neutral.duckdb"
    run_planalign("simulate", "--scenario", str(simulated["scenario"]), "--set", "workforce.merit_scale=1",
                  "--set", "workforce.cola_scale=1.0", db=db)
    for table in ("fct_yearly_events", "fct_workforce_snapshot", "fct_headcount_plan", "dim_scenario_settings"):
        assert table_digest(db, table) == simulated["digests"][table], table
    assert query(db, "select count(distinct simulation_year) from fct_workforce_snapshot") == [(END - START + 1,)]
