"""A restart from a census-history file is the continuation of the run that wrote it. census-history simulates
2025-2026 in one run and writes the state after 2025 as census_2026.csv; simulating 2026 again from that file, with
the same scenario and seed, must give the same year: the same events (ids, dates, amounts, draws) and the same
Dec 31 snapshot, every column but the two labels a census cannot carry (employee_source: 'hire' in the run, 'census'
in the restart; enrollment_source likewise). What makes it so, each of which this test catches when it is missing:
- census_new_hires_since = the history's first Jan 1: the history's hires are the plan's new hires (auto-enrollment);
- workforce.pay_band_year = the run's start year: job_levels holds the run's first-year bands, moved by
  pay_band_increase a year (without it the restart paid its hires and promoted people on 2025's bands in 2026);
- the history file's prior_year_compensation and account_balance_* columns: last year's wages (Roth catch-up,
  HCE look-back) and the Dec 31 balances (vesting, forfeitures), which a restart otherwise took as the pay rate
  and 0.
One difference is left on purpose and asserted: the escalation opt-out draw is keyed to the start year (a design
with an escalation opt-out rate redraws who opted out; the baseline design's rate is 0, so no event changes)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conftest import query, run_planalign

N, START = 400, 2025
YEAR = START + 1  # simulated in the history's run and again from census_2026.csv
LABELS = {"employee_source", "enrollment_source"}  # who was a hire / how they enrolled: not census columns
STAMPS = {"run_id", "created_at", "built_at"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("restart") / "history"
    run_planalign("census-history", "--n", str(N), "--years", "3", "--scenario", "baseline", "--out", str(folder),
                  "--seed", "3", db=folder.parent / "unused.duckdb")
    restart = folder.parent / "restart.duckdb"
    run_planalign("simulate", "--census", str(folder / f"census_{YEAR}.csv"), "--start", str(YEAR), "--end",
                  str(YEAR), "--set", f"census_new_hires_since={START}-01-01", "--set",
                  f"workforce.pay_band_year={START}", db=restart)
    return {"history": folder, "continued": folder / "run" / "history.duckdb", "restarted": restart}


def rows(db: Path, table: str, leave_out: set[str]) -> tuple[list[str], list[tuple]]:
    columns = [row[0] for row in query(db, f"describe {table}") if row[0] not in leave_out | STAMPS]
    listed = ", ".join(columns)
    return columns, query(db, f"select {listed} from {table} where simulation_year = {YEAR} order by all")


def test_the_history_file_carries_the_year_s_wages_and_balances(runs):
    with (runs["history"] / f"census_{YEAR}.csv").open(newline="") as handle:
        state = list(csv.DictReader(handle))
    expected = dict(query(runs["continued"], "select employee_id, round(total_balance_amount, 2) from "
                          "fct_workforce_snapshot where simulation_year = ?", [START]))
    assert sum(float(row["account_balance_deferral"]) > 0 for row in state) > N / 4
    for row in state:
        total = sum(float(row[f"account_balance_{source}"]) for source in ("deferral", "match", "core"))
        assert round(total, 2) == float(expected[row["employee_id"]]), row["employee_id"]
        assert float(row["prior_year_compensation"]) > 0


def test_the_restarted_year_has_the_continued_year_s_events(runs):
    columns, continued = rows(runs["continued"], "fct_yearly_events", set())
    _, restarted = rows(runs["restarted"], "fct_yearly_events", set())
    assert len(continued) > N  # hires, raises, enrollments, contributions ...
    draw = columns.index("draw")
    kind = columns.index("event_type")

    def without_escalation_draw(events: list[tuple]) -> list[tuple]:
        return sorted(tuple(None if i == draw and event[kind] == "deferral_escalation" else value
                            for i, value in enumerate(event)) for event in events)

    assert without_escalation_draw(restarted) == without_escalation_draw(continued)
    escalations = [event for event in continued if event[kind] == "deferral_escalation"]
    assert escalations and {event[columns.index("probability")] for event in escalations} == {0}


def test_the_restarted_year_has_the_continued_year_s_snapshot(runs):
    columns, continued = rows(runs["continued"], "fct_workforce_snapshot", LABELS)
    assert rows(runs["restarted"], "fct_workforce_snapshot", LABELS) == (columns, continued)
    hires = query(runs["continued"], "select count(*) from fct_workforce_snapshot where simulation_year = ? "
                                     "and employee_source = 'hire' and hire_date < ?", [YEAR, f"{YEAR}-01-01"])
    assert hires[0][0] > 0  # the history's own hires are in the restarted year, as census rows


def test_a_backtest_of_the_true_scenario_restarts_as_the_continuation(runs, tmp_path):
    """make backtest SCENARIO=baseline: nothing fitted, the scenario's own assumptions simulated from the last training
    snapshot with the two settings of the continuation, so its hires are paid within the bands of the simulated year
    moved from the history's start year (the restart year's unmoved bands would pay them 2.5% less)."""
    out = tmp_path / "true"
    files = [str(path) for path in sorted(runs["history"].glob("census_*.csv"))]
    run_planalign("backtest", *files, "--holdout", "1", "--replications", "2", "--scenario", "baseline",
                  "--name", "truth", "--out", str(out), db=tmp_path / "unused.duckdb")
    written = (out / "backtest.yml").read_text()
    assert f"census_new_hires_since: '{START}-01-01'" in written and f"pay_band_year: {START}" in written
    assert not (out / "assumptions").exists() and "(not fitted" in (out / "scorecard.md").read_text()
    rate = float(query(runs["continued"], "select json_extract(settings_json, '$.pay_band_increase') "
                                          "from dim_scenario_settings")[0][0])
    with (runs["history"] / "truth" / "job_levels.csv").open(newline="") as handle:
        bands = {int(row["job_level"]): (round(float(row["min_compensation"]) * (1 + rate), 2),
                                         round(float(row["max_compensation"]) * (1 + rate), 2))
                 for row in csv.DictReader(handle)}
    hires = query(out / "run" / "planalign.duckdb", "select job_level_after, compensation_after from "
                  "fct_yearly_events where event_type = 'hire' and simulation_year = ?", [YEAR])
    assert hires
    for level, pay in hires:
        assert bands[level][0] <= float(pay) <= bands[level][1], (level, pay, bands[level])
