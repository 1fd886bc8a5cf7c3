"""backtest on a history the engine itself wrote (census-history): the P10-P90 coverage is in a sane range,
the actual values recompute from the held-out files in plain Python (and obey the headcount identity), the
predicted ones from the simulation's events, the same inputs give the same scorecard bytes, and bad requests
are refused in one line."""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

import pytest

from conftest import query, run_planalign

# census_2025 .. census_2029: fit 2025-2028, hold out 2029 (the year 2028). Measured 2026-12-07 with this layout: 15
# of 17 inside (88%) with this census seed (11), 13 and 12 (76%, 71%) with seeds 12 and 13; the misses were mostly
# promotions that the history's year drew far from the engine's own expectation (seed 12, level 1: 197 for 167).
N, FILES, REPLICATIONS = 5000, 5, 10
YEAR = 2028


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("backtest") / "history"
    run_planalign("census-history", "--n", str(N), "--years", str(FILES), "--scenario", "baseline",
                  "--out", str(folder), "--seed", "11", db=folder.parent / "unused.duckdb")
    return folder


def files(history: Path) -> list[str]:
    return [str(path) for path in sorted(history.glob("census_*.csv"))]


def run_backtest(history: Path, out: Path, *extra: str, check: bool = True):
    return run_planalign("backtest", *files(history), "--holdout", "1", "--replications", str(REPLICATIONS),
                         "--name", "selftest", "--out", str(out), *extra, db=out.parent / "unused.duckdb", check=check)


@pytest.fixture(scope="module")
def backtested(history) -> dict:
    out = history.parent / "scorecard_a"
    result = run_backtest(history, out)
    with (out / "scorecard.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {"out": out, "rows": rows, "stdout": result.stdout}


def row(rows: list[dict], metric: str, key: str = "") -> dict:
    found = [r for r in rows if r["metric"] == metric and r["key"] == key]
    assert len(found) == 1, (metric, key)
    return found[0]


def test_the_p10_p90_band_holds_the_actual_for_60_to_95_percent_of_the_metrics(backtested):
    scored = [r for r in backtested["rows"] if r["scored"] == "yes"]
    inside = sum(r["inside_band"] == "yes" for r in scored)
    assert len(scored) >= 15  # counts, promotions and mix by level, pay, participation
    assert 0.60 <= inside / len(scored) <= 0.95, [(r["metric"], r["key"], r["inside_band"]) for r in scored]
    assert f"inside the P10-P90 band: {inside} of {len(scored)} metrics" in backtested["stdout"]
    markdown = (backtested["out"] / "scorecard.md").read_text()
    assert markdown.rstrip().endswith(f"**Inside the band: {inside} of {len(scored)} metrics "
                                      f"({inside / len(scored) * 100:.0f}%).**")
    html = (backtested["out"] / "scorecard.html").read_text()
    assert f"<strong>{inside} of {len(scored)}</strong>" in html
    assert not any(word in html for word in ("nan", "None", "NaN"))
    # the user's own folders are untouched: the fit went into the backtest's folder
    assert (backtested["out"] / "assumptions" / "selftest" / "job_levels.csv").is_file()
    # and the fitted scenario there names the backtest's own tables, not assumptions/selftest of the project
    fitted = (backtested["out"] / "scenarios" / "selftest.yml").read_text()
    assert f'assumptions: "{backtested["out"] / "assumptions" / "selftest"}"' in fitted


def active(record: dict, on: str) -> bool:
    return record["hire_date"] <= on and (not record["termination_date"] or record["termination_date"] >= on)


def read(path: Path) -> dict[str, dict]:
    with path.open(newline="") as handle:
        return {r["employee_id"]: r for r in csv.DictReader(handle)}


def test_the_actual_values_recompute_from_the_files_and_obey_the_headcount_identity(history, backtested):
    start, end = read(history / f"census_{YEAR}.csv"), read(history / f"census_{YEAR + 1}.csv")
    jan1, next_jan1 = f"{YEAR}-01-01", f"{YEAR + 1}-01-01"
    starters = {i for i, r in start.items() if active(r, jan1)}
    enders = {i for i, r in end.items() if active(r, next_jan1)}
    hires = {i for i, r in end.items() if jan1 <= r["hire_date"] < next_jan1 and i not in starters}
    new_hire_leavers = {i for i in hires if end[i]["termination_date"]}
    leavers = starters - enders
    rows = backtested["rows"]
    expected = {"headcount": len(enders), "experienced terminations": len(leavers), "hires": len(hires),
                "new-hire terminations": len(new_hire_leavers)}
    for metric, count in expected.items():
        assert float(row(rows, metric)["actual"]) == count, metric
    # the identity: everyone active on the next Jan 1 started the year or was hired in it, and stayed
    assert len(enders) == len(starters) - len(leavers) + len(hires) - len(new_hire_leavers)
    assert enders == (starters - leavers) | (hires - new_hire_leavers)
    for level in sorted({end[i]["job_level"] for i in enders}):
        share = sum(end[i]["job_level"] == level for i in enders) / len(enders)
        assert float(row(rows, "level mix", f"level {level}")["actual"]) == pytest.approx(share, abs=1e-6)
        moved = sum(start[i]["job_level"] == level and end[i]["job_level"] != level for i in starters & enders)
        assert float(row(rows, "promotions", f"from level {level}")["actual"]) == moved
    pay = statistics.fmean(float(end[i]["annual_compensation"]) for i in enders)
    start_pay = statistics.fmean(float(start[i]["annual_compensation"]) for i in starters)
    assert float(row(rows, "average pay")["actual"]) == pytest.approx(pay, abs=1e-6)
    assert float(row(rows, "pay growth")["actual"]) == pytest.approx(pay / start_pay - 1, abs=1e-6)
    participants = [float(end[i]["deferral_rate"]) for i in enders if float(end[i]["deferral_rate"] or 0) > 0]
    assert float(row(rows, "participation")["actual"]) == pytest.approx(len(participants) / len(enders), abs=1e-6)


def test_the_predicted_values_match_the_simulations_events(backtested):
    database = backtested["out"] / "run" / "planalign.duckdb"
    rows = backtested["rows"]
    per_replication = query(database, """
        select replication_id,
            count(*) filter (event_type = 'hire'),
            count(*) filter (event_type = 'termination' and reason = 'experienced_hazard'),
            count(*) filter (event_type = 'termination' and reason = 'new_hire_hazard')
        from fct_yearly_events where simulation_year = ? group by all order by 1""", [YEAR])
    assert [r[0] for r in per_replication] == list(range(1, REPLICATIONS + 1))
    for index, metric in ((1, "hires"), (2, "experienced terminations"), (3, "new-hire terminations")):
        assert float(row(rows, metric)["predicted_mean"]) == pytest.approx(
            statistics.fmean(r[index] for r in per_replication), abs=1e-6), metric
    # promotions of the employees still active on Dec 31, by the level they left, from the promotion events
    promoted = query(database, """
        select events.job_level_before, count(*) / ? from fct_yearly_events as events
        inner join fct_workforce_snapshot as snapshot
            on events.replication_id = snapshot.replication_id and events.employee_id = snapshot.employee_id
            and snapshot.simulation_year = events.simulation_year
        where events.simulation_year = ? and events.event_type = 'promotion'
            and snapshot.employment_status = 'active'
        group by all""", [REPLICATIONS, YEAR])
    for level, mean in promoted:
        assert float(row(rows, "promotions", f"from level {level}")["predicted_mean"]) == pytest.approx(mean), level


def test_the_history_s_hires_are_the_plan_s_new_hires_when_the_simulation_restarts(history, backtested):
    """The run that wrote the history auto-enrolled its own hires (the design's scope: new hires) and let a late-year
    automatic enrollment end in a January opt-out. Restarted from a census, those hires were existing employees:
    a December hire not enrolled by Jan 1 was never auto-enrolled, and the simulated participation fell about a
    point short of the history's. The fitted scenario says census_new_hires_since (the first snapshot's Jan 1),
    so both happen again: recomputed here from the start file, not from the engine's models."""
    fitted = (backtested["out"] / "scenarios" / "selftest.yml").read_text()
    assert "census_new_hires_since: '2025-01-01'" in fitted
    start = read(history / f"census_{YEAR}.csv")
    jan1 = f"{YEAR}-01-01"
    hires = {i: r for i, r in start.items() if active(r, jan1) and r["hire_date"] >= "2025-01-01"}
    not_enrolled = {i for i, r in hires.items() if not r["enrollment_date"]}
    enrolled_late = {i for i, r in hires.items() if r["enrollment_date"] >= f"{YEAR - 1}-10-01"
                     and float(r["deferral_rate"] or 0) > 0}
    assert not_enrolled and enrolled_late
    database = backtested["out"] / "run" / "planalign.duckdb"
    events = query(database, """
        select replication_id, employee_id, event_type, effective_date from fct_yearly_events
        where simulation_year = ? and (event_type = 'enrollment' and reason = 'auto_enroll' or event_type = 'opt_out')
            and employee_id not like ?""", [YEAR, f"NH_{YEAR}_%"])
    auto = [(r, i) for r, i, kind, _ in events if kind == "enrollment"]
    # every automatic enrollment of a census employee is one of the history's hires not enrolled on Jan 1, and
    # every replication has some (about 1 in 12 of a year's hires is hired in December)
    assert {i for _, i in auto} <= not_enrolled
    assert {r for r, _ in auto} == set(range(1, REPLICATIONS + 1))
    # January opt-outs of last year's late automatic enrollments
    late = [i for _, i, kind, day in events if kind == "opt_out" and i in enrolled_late and i not in not_enrolled]
    assert late


def test_the_same_inputs_give_the_same_scorecard_bytes(history, backtested):
    again = history.parent / "scorecard_b"
    run_backtest(history, again)
    for name in ("scorecard.csv", "scorecard.md", "scorecard.html"):
        assert (again / name).read_bytes() == (backtested["out"] / name).read_bytes(), name



def test_a_backtest_builds_lean_and_runs_its_tripwires(backtested):
    """The throw-away database holds the workforce, not the report views nobody reads; no year checkpoint is
    written; the build ran every critical tripwire of what it built (its run log names each node)."""
    database = backtested["out"] / "run" / "planalign.duckdb"
    tables = {name for (name,) in query(database, "select table_name from duckdb_tables()")}
    assert {"fct_workforce_snapshot", "fct_yearly_events", "fct_headcount_plan"} <= tables
    assert "rpt_workforce_breakdown" not in tables
    views = {name for (name,) in query(database, "select view_name from duckdb_views() where not internal")}
    # the progress lines' views, and the views the nondiscrimination corrections (rpt_nondiscrimination) and
    # the audit (rpt_employer_cost) are built from
    assert views == {"rpt_census_reconciliation", "rpt_year_audit", "rpt_year_digests", "rpt_employer_cost",
                     "rpt_nondiscrimination"}
    assert not list((backtested["out"] / "run").rglob("year_*.done"))
    assert not list((backtested["out"] / "run").rglob("year_*.partial"))
    (timings,), = query(database, "select node_timings from main.planalign_run_log "
                                  "where command = 'build' and event = 'end'")
    ran = {node["node"] for node in json.loads(timings) if node["status"] == "pass"}
    for tripwire in ("assert_snapshot_traceable", "assert_headcount_rolls_forward", "assert_no_event_after_termination",
                     "assert_census_rows_reconcile", "unique_fct_yearly_events_event_id"):
        assert any(node.split(".")[2] == tripwire for node in ran), tripwire

def one_line_refusal(result, fragment: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and fragment in errors[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("extra, fragment", [
    (("--replications", "1"), "REPLICATIONS must be at least 2, got 1"),
    (("--holdout", "4"), "HOLDOUT=4 of 5 snapshots leaves 1 to fit on"),
    (("--holdout", "5"), "HOLDOUT=5 holds out all 5 snapshot(s)"),
])
def test_a_request_without_a_fit_or_a_band_is_refused_in_one_line(history, tmp_path, extra, fragment):
    out = tmp_path / "never"
    result = run_planalign("backtest", *files(history), "--replications", "5", *extra, "--out", str(out),
                           db=tmp_path / "unused.duckdb", check=False)
    one_line_refusal(result, fragment)
    assert not out.exists()


def test_an_unreadable_snapshot_is_refused_with_the_fits_message(history, tmp_path):
    broken = tmp_path / "census_2030.csv"
    broken.write_text((history / "census_2029.csv").read_text().replace("-01-", "-13-", 1))
    out = tmp_path / "never"
    result = run_planalign("backtest", *files(history)[1:], str(broken), "--out", str(out),
                           db=tmp_path / "unused.duckdb", check=False)
    one_line_refusal(result, "census_2030.csv row")
    assert not out.exists()
