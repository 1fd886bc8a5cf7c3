"""make sensitivity and parameter_uncertainty with real dbt on the fixture census (two years).

The tornado's figures are checked against runs made apart (planalign simulate --set into another database),
summed in Python from their yearly audit rows; the points (replications of one variant) are checked to be those
runs, event for event."""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

import openpyxl
import pytest

from conftest import (
    START,
    console_errors,
    query,
    render_in_chromium,
    reports_of,
    run_planalign,
    sensitivity_sheet_rows,
    write_scenario,
)
from digests import table_digest

END = START + 1
VARY = "workforce.total_termination_rate=0.08:0.16 pay_growth=-1pt:+1pt promotion_increase=0.02:0.30"
EVENT_COLUMNS = ("employee_id, event_type, effective_date, compensation_before, compensation_after, "
                 "job_level_before, job_level_after, deferral_rate_before, deferral_rate_after, amount, reason")


@pytest.fixture(scope="module")
def study(tmp_path_factory, fixture_census) -> dict:
    folder = tmp_path_factory.mktemp("sensitivity")
    scenario = write_scenario(folder / "fixture.yml", fixture_census, end_year=END)
    db = folder / "study.duckdb"
    result = run_planalign("sensitivity", "--scenario", str(scenario), "--vary", VARY, db=db)
    out = reports_of(db) / "fixture" / "baseline" / "sensitivity"
    with (out / "net_cost.csv").open(newline="") as handle:
        rows = {row["setting"]: row for row in csv.DictReader(handle)}
    return {"folder": folder, "scenario": scenario, "db": db, "out": out, "rows": rows, "stdout": result.stdout}


def net_cost(db: Path, scenario_id: str, replication: int = 0, design: str = "baseline") -> float:
    """The horizon's net employer cost recomputed apart: each year's gross employer cost (match + core + QNEC)
    minus the forfeitures used, from the yearly audit rows, summed in Python."""
    rows = query(db, "select gross_employer_cost, forfeitures_used from rpt_year_audit where scenario_id = ? "
                     "and plan_design_id = ? and replication_id = ? order by simulation_year",
                 [scenario_id, design, replication])
    assert len(rows) == END - START + 1
    return sum(float(gross) - float(used) for gross, used in rows)


def events_digest(db: Path, scenario_id: str, replication: int = 0) -> str:
    """The events of one replication, without their replication id (a point's replication and the plain run's
    0 differ by design)."""
    return table_digest(db, f"(select {EVENT_COLUMNS} from fct_yearly_events where scenario_id = '{scenario_id}' "
                            f"and replication_id = {replication})")


def test_the_table_has_every_assumption_at_both_ends(study):
    rows = study["rows"]
    assert set(rows) == {"workforce.total_termination_rate", "workforce.pay_growth_shift",
                         "workforce.promotion_increase"}
    termination, pay = rows["workforce.total_termination_rate"], rows["workforce.pay_growth_shift"]
    assert (float(termination["low_rate"]), float(termination["central_rate"]), float(termination["high_rate"])) \
        == (0.08, 0.12, 0.16)
    assert (float(pay["low_rate"]), float(pay["high_rate"])) == (-0.01, 0.01)
    assert {row["range_source"] for row in rows.values()} == {"VARY"}
    for row in rows.values():  # the swing is what the two ends say, and the rows are sorted by it
        assert float(row["swing_amount"]) == pytest.approx(
            abs(float(row["metric_at_high_amount"]) - float(row["metric_at_low_amount"])), abs=0.011)
    swings = [float(row["swing_amount"]) for row in rows.values()]
    assert swings == sorted(swings, reverse=True)
    # more pay growth costs more match on the same people (the match is a share of pay): robustly monotone
    low, central, high = (float(pay[f"metric_{end}_amount"]) for end in ("at_low", "central", "at_high"))
    assert low < central < high
    # a bigger promotion raise pays more pay, so more match: the point reads the raise per replication
    promotion = rows["workforce.promotion_increase"]
    assert float(promotion["metric_at_low_amount"]) < float(promotion["metric_at_high_amount"])


def test_the_points_are_the_runs_a_user_would_make_apart(study, tmp_path):
    """The high termination point and the central point equal plain `simulate --set` runs into another database:
    the same events (paired through the seed), and the net cost the tornado shows. Every point is one replication
    of one variant run: the central point is replication 1."""
    row = study["rows"]["workforce.total_termination_rate"]
    assert {row["run_scenario_id"] for row in study["rows"].values()} == {"fixture__sens"}
    high = int(row["high_replication_ids"])
    assert sorted(int(r[f"{end}_replication_ids"]) for r in study["rows"].values() for end in ("low", "high")) \
        == [2, 3, 4, 5, 6, 7]
    apart = tmp_path / "apart.duckdb"
    run_planalign("simulate", "--scenario", str(study["scenario"]), "--set", "workforce.total_termination_rate=0.16",
                  "--set", "scenario_id=apart_high", db=apart)
    run_planalign("simulate", "--scenario", str(study["scenario"]), "--set", "scenario_id=apart_central", db=apart)
    assert events_digest(apart, "apart_high") == events_digest(study["db"], "fixture__sens", high)
    assert events_digest(apart, "apart_central") == events_digest(study["db"], "fixture__sens", 1)
    assert net_cost(study["db"], "fixture__sens", high) == pytest.approx(float(row["metric_at_high_amount"]),
                                                                          abs=0.011)
    assert net_cost(apart, "apart_high") == pytest.approx(float(row["metric_at_high_amount"]), abs=0.011)
    assert net_cost(apart, "apart_central") == pytest.approx(float(row["metric_central_amount"]), abs=0.011)
    assert events_digest(apart, "apart_high") != events_digest(apart, "apart_central")


def test_the_page_and_the_workbook(study, tmp_path):
    page = study["out"] / "net_cost.html"
    dom, log = render_in_chromium(page, tmp_path / "tornado.png")
    assert not console_errors(log)
    assert "chart-tornado" in dom and "US dollars" in dom and "widest swing" in dom
    assert "experienced termination rate" in dom and "8.00%" in dom and "16.00%" in dom
    rows = sensitivity_sheet_rows(openpyxl.load_workbook(study["out"] / "net_cost.xlsx")["Sensitivity"])
    with (study["out"] / "net_cost.csv").open(newline="") as handle:
        written = {row["setting"]: row for row in csv.DictReader(handle)}
    for row in rows:  # the sheet holds the CSV's values: a rate as it is, a shift in points
        scale = 100 if row["setting"].endswith("_shift") else 1
        assert row["low"] == pytest.approx(float(written[row["setting"]]["low_rate"]) * scale)
        assert row["at low"] == pytest.approx(float(written[row["setting"]]["metric_at_low_amount"]))
    assert {row["setting"] for row in rows} >= {"workforce.total_termination_rate", "workforce.pay_growth_shift"}


def test_parameter_uncertainty_draws_per_replication_and_pairs_designs(tmp_path, fixture_census):
    scenario = write_scenario(tmp_path / "fixture.yml", fixture_census, end_year=END, replications=4,
                              parameter_uncertainty=True)
    db = tmp_path / "draws.duckdb"
    run_planalign("batch", "--scenarios", str(scenario), "--plans", "baseline qaca", "--no-tornado", db=db)
    rates = query(db, "select plan_design_id, replication_id, simulation_year, total_termination_rate, "
                      "target_growth_rate, new_hire_termination_rate from fct_headcount_plan order by 1, 2, 3")
    by_design = {}
    for design, replication, _year, *drawn in rates:
        by_design.setdefault(design, {}).setdefault(replication, set()).add(tuple(drawn))
    baseline = by_design["baseline"]
    assert all(len(years) == 1 for years in baseline.values())  # the same draw in every year of a replication
    assert len({next(iter(years)) for years in baseline.values()}) == 4  # replications differ
    assert by_design["qaca"] == baseline  # replication r of both designs draws the same assumptions
    termination = [float(next(iter(years))[0]) for years in baseline.values()]
    assert all(0.0 <= value <= 0.9 for value in termination) and statistics.pstdev(termination) > 0
    page = (reports_of(db) / "fixture" / "baseline" / "report_mc4.html").read_text()
    assert "random draws and assumption uncertainty" in page
    summary = next((reports_of(db) / "compare").glob("*decision_summary.csv")).read_text()
    assert "random draws and assumption uncertainty" in summary


def test_without_parameter_uncertainty_the_bands_say_random_draws_only(tmp_path, fixture_census):
    scenario = write_scenario(tmp_path / "fixture.yml", fixture_census, end_year=START, replications=2)
    db = tmp_path / "plain.duckdb"
    run_planalign("simulate", "--scenario", str(scenario), db=db)
    page = (reports_of(db) / "fixture" / "baseline" / "report_mc2.html").read_text()
    assert "random draws only" in page and "assumption uncertainty" not in page
    rates = query(db, "select distinct cast(total_termination_rate as double) from fct_headcount_plan")
    assert rates == [(0.12,)]


def test_a_bad_vary_is_refused_before_anything_runs(tmp_path, fixture_census):
    scenario = write_scenario(tmp_path / "fixture.yml", fixture_census, end_year=END)
    db = tmp_path / "refused.duckdb"
    result = run_planalign("sensitivity", "--scenario", str(scenario), "--vary", "termination_rat=0.1:0.2", db=db,
                           check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "unknown assumption 'termination_rat' (did you mean 'termination_rate'?)" in result.stderr
    assert not db.exists()


def test_with_a_base_design_the_metric_is_the_paired_difference(tmp_path, fixture_census):
    """PLAN=qaca BASE=baseline: every point runs both designs under the same assumptions; the tornado's figure
    is qaca's net cost minus baseline's at that point, recomputed here from each run's yearly audit rows."""
    scenario = write_scenario(tmp_path / "fixture.yml", fixture_census, end_year=END)
    db = tmp_path / "base.duckdb"
    run_planalign("sensitivity", "--scenario", str(scenario), "--plan-design", "qaca", "--base", "baseline",
                  "--vary", "growth=-2pt:+2pt", db=db)
    out = reports_of(db) / "fixture" / "qaca" / "sensitivity" / "net_cost_vs_baseline.csv"
    with out.open(newline="") as handle:
        row, = csv.DictReader(handle)

    def difference(replication: str) -> float:
        return (net_cost(db, "fixture__sens", int(replication), "qaca")
                - net_cost(db, "fixture__sens", int(replication), "baseline"))

    assert float(row["metric_at_low_amount"]) == pytest.approx(difference(row["low_replication_ids"]), abs=0.011)
    assert float(row["metric_at_high_amount"]) == pytest.approx(difference(row["high_replication_ids"]), abs=0.011)
    assert float(row["metric_central_amount"]) == pytest.approx(difference("1"), abs=0.011)
    assert float(row["metric_central_amount"]) != 0  # the designs differ
    page = out.with_suffix(".html").read_text()
    assert "qaca minus baseline" in page
