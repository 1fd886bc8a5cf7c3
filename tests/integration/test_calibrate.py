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


# ---- SOLVE=level_mix ----------------------------------------------------------------------------------------

LEVELS = [  # the seed's levels, with a uniform hire mix (far from what holds the mix) and slow promotions
    (1, "Associate", 38000, 62000, 0.16, 0.035), (2, "Professional", 55000, 92000, 0.12, 0.035),
    (3, "Senior", 82000, 135000, 0.09, 0.030), (4, "Manager", 120000, 190000, 0.07, 0.030),
    (5, "Director", 170000, 320000, 0.05, 0.025)]
MIX_TOLERANCE = 0.01


def _levels(weights, promotions):
    return {"tables": {
        "job_levels": [{"job_level": level, "level_name": name, "min_compensation": low, "max_compensation": high,
                        "termination_base_rate": hazard, "merit_rate": merit, "new_hire_weight": weight}
                       for (level, name, low, high, hazard, merit), weight in zip(LEVELS, weights, strict=True)],
        "promotion_transitions": [{"from_level": level, "to_level": level + 1, "base_rate": rate}
                                  for level, rate in enumerate(promotions, 1)]}}


def level_shares(db) -> tuple[dict[int, float], dict[int, float]]:
    """Recomputed here from the tables: each level's share of the Jan 1 workforce of the first year (its level
    before any promotion that year) and of the Dec 31 actives of the last year."""
    first, last = query(db, "select min(simulation_year), max(simulation_year) from fct_workforce_snapshot")[0]
    promoted = dict(query(db, "select employee_id, job_level_before from fct_yearly_events "
                              "where event_type = 'promotion' and simulation_year = ?", [first]))
    start = [promoted.get(employee, level) for employee, level in query(
        db, "select employee_id, job_level from fct_workforce_snapshot where simulation_year = ? "
            "and not is_new_hire", [first])]
    end = [level for (level,) in query(db, "select job_level from fct_workforce_snapshot "
                                           "where simulation_year = ? and employment_status = 'active'", [last])]
    assert len(start) == len(end)  # zero growth
    return ({level: start.count(level) / len(start) for level in range(1, 6)},
            {level: end.count(level) / len(end) for level in range(1, 6)})


def test_the_solved_level_mix_holds_the_level_mix_at_zero_growth(tmp_path):
    census = tmp_path / "census.csv"
    run_planalign("census", "--n", "1000", "--seed", "5", "--out", str(census), db=tmp_path / "unused.duckdb")
    scenario = write_scenario(tmp_path / "mix.yml", census, scenario_id="mix",
                              assumptions=_levels([0.2] * 5, [0.04, 0.03, 0.02, 0.01]))
    calibrated, report = tmp_path / "mix_calibrated.yml", tmp_path / "calibration_level_mix.md"
    result = run_planalign("calibrate", "--scenario", str(scenario), "--solve", "level_mix", "--mix-tolerance",
                           str(MIX_TOLERANCE), "--scenario-out", str(calibrated), "--report-out", str(report),
                           db=tmp_path / "unused.duckdb")
    assert "solution: new_hire_weight" in result.stdout, result.stdout
    written = yaml.safe_load(calibrated.read_text())
    assert written["extends"] == str(scenario) and written["scenario_id"] == "mix_calibrated"
    weights = [row["new_hire_weight"] for row in written["assumptions"]["tables"]["job_levels"]]
    assert abs(sum(weights) - 1) < 1e-9 and min(weights) >= 0 and weights != [0.2] * 5
    # the scenario's own promotion table is kept (inline tables of the parent merge with the child's)
    zero = ("--set", "workforce.target_growth_rate=0")
    held = tmp_path / "held.duckdb"
    run_planalign("simulate", "--scenario", str(calibrated), *zero, db=held)
    assert query(held, "select count(*) from fct_yearly_events where event_type = 'promotion' "
                       "and job_level_before = 1") != [(0,)]
    start, end = level_shares(held)
    gaps = {level: end[level] - start[level] for level in start}
    assert max(abs(gap) for gap in gaps.values()) <= MIX_TOLERANCE, gaps
    # the same scenario with its own (uniform) mix drifts by more, as the report says
    drifted = tmp_path / "drifted.duckdb"
    run_planalign("simulate", "--scenario", str(scenario), *zero, db=drifted)
    own_start, own_end = level_shares(drifted)
    assert own_start == start
    drift = {level: own_end[level] - own_start[level] for level in own_start}
    assert max(abs(gap) for gap in drift.values()) > 5 * MIX_TOLERANCE, drift
    text = report.read_text()
    for level, name, *_ in LEVELS:
        row = next(line for line in text.splitlines() if line.startswith(f"| {level} | {name} |"))
        cells = [cell.strip() for cell in row.split("|")[1:-1]]
        assert cells[2:7] == [f"{start[level]:.2%}", f"{own_end[level]:.2%}", f"{drift[level]:+.2%}",
                              f"{end[level]:.2%}", f"{gaps[level]:+.2%}"], row
        assert cells[8] == f"{weights[level - 1]:.6f}"


def test_a_level_mix_that_needs_a_negative_share_is_refused(tmp_path, simulated):
    """Level 5 gets no hires and still grows (fast promotions from 4, few exits): no mix can hold it."""
    scenario = write_scenario(tmp_path / "top.yml", simulated["census"], scenario_id="top",
                              assumptions=_levels([0.5, 0.3, 0.15, 0.05, 0], [0.1, 0.1, 0.1, 0.6]))
    result = run_planalign("calibrate", "--scenario", str(scenario), "--solve", "level_mix", "--years", "1",
                           "--scenario-out", str(tmp_path / "never.yml"), db=tmp_path / "unused.duckdb",
                           check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "with no hires at all, level 5 (Director) still goes from" in errors[0], \
        result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "never.yml").exists()
