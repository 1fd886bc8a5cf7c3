"""The analyst's day: a batch of scenarios into one database, comparisons, Monte Carlo bands, status,
dry runs, and resume after a seed edit. Real dbt on the small fixture census."""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
import psutil
import pytest
import yaml

from conftest import (
    END,
    ROOT,
    START,
    console_errors,
    query,
    render_in_chromium,
    reports_of,
    run_planalign,
    write_scenario,
)
from digests import table_digest, year_digests
from planalign.reports import units

WORKFORCE_COLUMNS = ("employee_id, employment_status, hire_date, termination_date, termination_reason, "
                     "job_level, annual_compensation, prorated_compensation")


def listing(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*") if p.is_file()}


def variant(folder: Path, name: str, parent: Path, **settings) -> Path:
    path = folder / f"{name}.yml"
    path.write_text(yaml.safe_dump({"extends": str(parent), "scenario_id": name, **settings}))
    return path


@pytest.fixture(scope="module")
def batch(simulated, tmp_path_factory) -> dict:
    """fixture (baseline design), a QACA variant of it, and a scenario whose census is missing: one batch."""
    folder = tmp_path_factory.mktemp("batch")
    fixture = folder / "fixture.yml"
    shutil.copy(simulated["scenario"], fixture)
    alt = variant(folder, "fixture_qaca", fixture, plan_design="qaca")
    broken = variant(folder, "fixture_broken", fixture, census_path=str(folder / "missing.csv"))
    db = folder / "batch.duckdb"
    result = run_planalign("batch", "--scenarios", f"{fixture} {broken} {alt}", db=db, check=False)
    return {"db": db, "result": result, "folder": folder, "fixture": fixture, "alt": alt}


def test_a_batch_with_a_failing_scenario_finishes_the_others_and_exits_non_zero(batch):
    result = batch["result"]
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "census file not found" in result.stderr
    table = result.stdout[result.stdout.index("scenario / design"):]
    assert "fixture/baseline" in table and "fixture_qaca/qaca" in table and "fixture_broken" in table
    assert table.count("success") == 2 and "failed" in table
    years = dict(query(batch["db"], "select scenario_id, count(distinct simulation_year) from fct_workforce_snapshot "
                                    "group by 1"))
    assert years == {"fixture": END - START + 1, "fixture_qaca": END - START + 1}
    # one lock, one backup: the batch made at most one backup (none when the database was new)
    assert len(list((batch["db"].parent / "backups").rglob("*.duckdb"))) <= 1


def test_batch_rows_of_a_scenario_equal_the_scenario_run_alone(batch, simulated):
    for table in ("fct_yearly_events", "fct_workforce_snapshot"):
        assert year_digests(batch["db"], table, "fixture") == year_digests(simulated["db"], table, "fixture")
    # the same scenario run into two databases: two reports, neither overwritten (the defect: one path for both)
    pages = [reports_of(db) / "fixture" / "baseline" / "report.html" for db in (batch["db"], simulated["db"])]
    assert pages[0] != pages[1] and all(page.exists() for page in pages)


def test_a_design_only_variant_has_the_same_workforce_and_compare_is_exact(batch):
    db = batch["db"]
    for year in range(START, END + 1):
        sides = {scenario: table_digest(db, f"(select {WORKFORCE_COLUMNS} from fct_workforce_snapshot "
                                            f"where scenario_id = '{scenario}' and simulation_year = {year})")
                 for scenario in ("fixture", "fixture_qaca")}
        assert sides["fixture"] == sides["fixture_qaca"], year
    path = reports_of(db) / "compare" / "fixture-baseline__vs__fixture_qaca-qaca.csv"
    assert path.exists(), "the batch writes the comparison of its first pair with each other pair"
    rows = {(row["period"], row["metric"]): row for row in csv.DictReader(path.open())}
    for metric in ("hires", "terminations", "end_headcount", "start_headcount"):
        for period in [*map(str, range(START, END + 1)), "horizon"]:
            assert Decimal(rows[(period, metric)]["abs_difference"]) == 0, (period, metric)
    totals = dict(query(db, "select scenario_id, sum(employer_match_amount + employer_core_amount) "
                            "from fct_workforce_snapshot group by 1"))
    difference = Decimal(rows[("horizon", "employer_cost")]["abs_difference"])
    assert difference == totals["fixture_qaca"] - totals["fixture"] != 0
    for year in range(START, END + 1):
        by_year = dict(query(db, "select scenario_id, sum(employer_match_amount + employer_core_amount) "
                                 "from fct_workforce_snapshot where simulation_year = ? group by 1", [year]))
        assert Decimal(rows[(str(year), "employer_cost")]["abs_difference"]) == \
            by_year["fixture_qaca"] - by_year["fixture"]


def test_status_and_a_dry_run_write_nothing(batch):
    db, folder = batch["db"], batch["folder"]
    before = (listing(folder), table_digest(db, "fct_yearly_events"), table_digest(db, "fct_workforce_snapshot"))
    status = run_planalign("status", db=db)
    assert "fixture / baseline (single run): years 2025-2027" in status.stdout
    assert "2025 ok, 2026 ok, 2027 ok" in status.stdout and "lock: free" in status.stdout
    for args in (["simulate", "--scenario", str(batch["fixture"]), "--clear", "all"],
                 ["resume", "--scenario", str(batch["alt"])],
                 ["year", "--scenario", str(batch["fixture"]), "2026"],
                 ["batch", "--scenarios", f"{batch['fixture']} {batch['alt']}", "--replications", "2"]):
        result = run_planalign(*args, "--dry-run", db=db)
        assert "nothing is written" in result.stdout, args
    dry = run_planalign("simulate", "--scenario", str(batch["fixture"]), "--clear", "all", "--dry-run", db=db)
    assert "clear: years from 2025" in dry.stdout and "backup: yes" in dry.stdout
    resume = run_planalign("resume", "--scenario", str(batch["alt"]), "--dry-run", db=db)
    assert "skip: 2025, 2026, 2027" in resume.stdout and "run: nothing" in resume.stdout
    after = (listing(folder), table_digest(db, "fct_yearly_events"), table_digest(db, "fct_workforce_snapshot"))
    assert before == after
    # a batch resumes: with every year of both scenarios done, nothing runs and nothing changes
    resumed = run_planalign("batch", "--scenarios", f"{batch['fixture']} {batch['alt']}", "--resume", "--no-tornado",
                            db=db)
    assert resumed.stdout.count("every year 2025-2027 is done") == 2 and "run: nothing" not in resumed.stdout
    assert (table_digest(db, "fct_yearly_events"), table_digest(db, "fct_workforce_snapshot")) == before[1:]


@pytest.fixture(scope="module")
def monte_carlo(fixture_census, tmp_path_factory) -> dict:
    """A base and a variant, 3 replications each, 2 years, in one batch (which draws the uncertain assumptions
    per replication, the same in both designs)."""
    folder = tmp_path_factory.mktemp("mc")
    base = write_scenario(folder / "mc_base.yml", fixture_census, scenario_id="mc_base", end_year=START + 1)
    alt = variant(folder, "mc_alt", base, plan_design={"extends": "baseline", "id": "mc_alt_design",
                                                       "auto_enroll_rate": 0.05, "match_tiers": [
                                                           {"deferral_from": 0, "deferral_to": 0.05,
                                                            "match_rate": 1}]})
    db = folder / "mc.duckdb"
    result = run_planalign("batch", "--scenarios", f"{base} {alt}", "--replications", "3", "--no-tornado", db=db)
    return {"db": db, "result": result, "base": base, "alt": alt, "folder": folder}


def test_replications_give_bands_and_paired_differences(monte_carlo):
    db = monte_carlo["db"]
    assert query(db, "select count(distinct replication_id), min(replication_id), max(replication_id) "
                     "from fct_workforce_snapshot") == [(3, 1, 3)]
    ends = query(db, "select replication_id, count(*) from fct_workforce_snapshot where scenario_id = 'mc_base' "
                     "and simulation_year = 2025 and employment_status = 'terminated' group by 1 order by 1")
    assert len(ends) == 3
    bands = query(db, "select p10_value, p50_value, p90_value, mean_value, replications from rpt_replication_bands "
                      "where scenario_id = 'mc_base' and period = '2026' and metric = 'employer_cost'")
    (p10, p50, p90, mean, replications), = bands
    assert replications == 3 and p10 <= p50 <= p90 and p10 < p90
    path = reports_of(db) / "compare" / "mc_base-baseline__vs__mc_alt-mc_alt_design.csv"
    rows = {(row["period"], row["metric"]): row for row in csv.DictReader(path.open())}
    cost = rows[("horizon", "employer_cost")]
    assert cost["difference_p10"] and cost["base_p10"] and cost["alt_p90"]
    assert float(cost["difference_p10"]) <= float(cost["difference_p50"]) <= float(cost["difference_p90"])
    hires = rows[("horizon", "hires")]
    assert float(hires["difference_p10"]) == float(hires["difference_p90"]) == 0  # common random numbers
    dom, log = render_in_chromium(path.with_suffix(".html"), ROOT / "artifacts" / "screenshots" / "comparison.png")
    assert console_errors(log) == [] and dom.count("js-plotly-plot") >= 10
    assert "alternative minus base" in dom and "P10-P90" in dom  # levels with both bands; the difference apart
    cell = re.search(r'data-column="metric">Employer cost, gross \(match \+ core \+ QNEC\)</td>'
                     rf'<td[^>]*>total {START}-{START + 1}</td>.*?data-column="difference">([-+$\d,]+)</td>', dom)
    assert cell and int(cell.group(1).replace(",", "").replace("$", "")) == round(float(cost["abs_difference"]))
    summary = reports_of(db) / "mc_base" / "baseline" / f"multi_year_summary_{START}_{START + 1}_mc3.csv"
    assert summary.exists()


def test_a_monte_carlo_set_exports_without_replications_and_its_comparison_workbook_names_the_sides(monte_carlo):
    """make export on a scenario stored only as a Monte Carlo set finds the set (the defect: empty summary
    sheets); asking for a set that is not there is one line; workforce-at says REPLICATION=1; the comparison
    workbook names base, alternative and the sign, and formats each row as its metric."""
    db, base = monte_carlo["db"], str(monte_carlo["base"])
    result = run_planalign("export", "--scenario", base, db=db)
    assert "workbook_mc3.xlsx" in result.stdout
    book = openpyxl.load_workbook(reports_of(db) / "mc_base" / "baseline" / "workbook_mc3.xlsx")
    summary = book["Summary"]
    assert "3 Monte Carlo replications" in summary["A1"].value
    rows = [[cell.value for cell in row] for row in summary.iter_rows(min_row=5)]
    assert len(rows) >= 3 * 15 and {row[2] for row in rows} == {"mean", "P10", "P90"}
    assert all(value is not None for row in rows for value in row[3:5]), "a figure for every year"
    refused = run_planalign("export", "--scenario", base, "--replications", "0", db=db, check=False)
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert refused.returncode == 2 and len(errors) == 1 and "Traceback" not in refused.stderr
    assert "has no single run" in errors[0] and "REPLICATIONS=3" in refused.stderr
    at = run_planalign("workforce-at", "--date", f"{START}-06-30", "--scenario", base, db=db, check=False)
    assert at.returncode == 2 and "Monte Carlo set of 3" in at.stderr and "REPLICATION=1" in at.stderr
    run_planalign("compare", "--base", "mc_base", "--alt", "mc_alt", "--format", "xlsx", db=db)
    book = openpyxl.load_workbook(reports_of(db) / "compare" / "mc_base-baseline__vs__mc_alt-mc_alt_design.xlsx")
    horizon = book["Horizon"]
    assert "Base: mc_base/baseline. Alternative: mc_alt/mc_alt_design." in horizon["A1"].value
    assert "alternative minus base" in horizon["A1"].value and "total" in horizon["A2"].value
    header = [cell.value for cell in horizon[4]]
    formats = {units.COUNT: "#,##0", units.MONEY: "$#,##0", units.RATE: "0.00%"}
    differences = {**formats, units.RATE: "+0.00%;-0.00%;0.00%"}  # a difference of rates: percentage points
    for row in horizon.iter_rows(min_row=5):
        metric = row[header.index("metric")].value
        for column in ("base_value", "alt_value", "abs_difference", "difference_p10", "difference_p90"):
            expected = (differences if "difference" in column else formats)[units.metric(metric).unit]
            assert row[header.index(column)].number_format == expected, (metric, column)
        if row[header.index("rel_difference")].value is not None:  # none where the base is 0
            assert row[header.index("rel_difference")].number_format == "0.0%"
        assert row[header.index("figure")].value == units.horizon_label(metric, START, START + 1)


def test_replications_are_deterministic(monte_carlo, tmp_path):
    """The batch's Monte Carlo set drew its uncertain assumptions per replication: simulate with the same setting,
    into another database, gives the same bands."""
    db = tmp_path / "again.duckdb"
    run_planalign("simulate", "--scenario", str(monte_carlo["base"]), "--replications", "3",
                  "--set", "parameter_uncertainty=true", db=db)
    bands = "(select * from rpt_replication_bands where scenario_id = 'mc_base')"
    assert table_digest(db, bands) == table_digest(monte_carlo["db"], bands)


def test_a_monte_carlo_batch_draws_the_assumptions_unless_told_not_to(monte_carlo, tmp_path):
    """The dry run says each design's bands: a Monte Carlo batch draws the uncertain assumptions per replication
    by default; --no-assumption-uncertainty (UNCERTAINTY=0) leaves the scenario's own setting (off here)."""
    scenarios = f"{monte_carlo['base']} {monte_carlo['alt']}"
    drawn = run_planalign("batch", "--scenarios", scenarios, "--replications", "3", "--dry-run",
                          db=tmp_path / "dry.duckdb").stdout
    plain = run_planalign("batch", "--scenarios", scenarios, "--replications", "3", "--dry-run",
                          "--no-assumption-uncertainty", db=tmp_path / "dry.duckdb").stdout
    assert drawn.count("bands cover random draws and assumption uncertainty") == 2, drawn
    assert plain.count("bands cover random draws only") == 2, plain
    assert "then: a sensitivity study (tornado)" in drawn
    assert f"in a second process beside the grid into {tmp_path / 'dry_sensitivity.duckdb'}" in drawn
    assert not (tmp_path / "dry.duckdb").exists() and not (tmp_path / "dry_sensitivity.duckdb").exists()


def test_a_failed_sensitivity_study_is_one_line_and_the_grid_stands(monte_carlo):
    """The batch's tornado builds in a second process into <db>_sensitivity.duckdb (cli/study.py). When that
    study fails, the batch says so in one line and exits 1; the grid's results and its decision summary stand."""
    db = monte_carlo["db"]
    before = (table_digest(db, "fct_yearly_events"), table_digest(db, "fct_workforce_snapshot"))
    squatter = db.with_name(f"{db.stem}_sensitivity.duckdb")
    squatter.mkdir()  # the study's database path is taken by a folder
    try:
        result = run_planalign("batch", "--scenarios", f"{monte_carlo['base']} {monte_carlo['alt']}",
                               "--replications", "3", "--resume", db=db, check=False)
    finally:
        squatter.rmdir()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert any("sensitivity study failed" in line and "is a directory" in line for line in errors), result.stderr
    assert (table_digest(db, "fct_yearly_events"), table_digest(db, "fct_workforce_snapshot")) == before
    assert "decision summary:" in result.stdout


def test_a_killed_batch_takes_its_sensitivity_study_with_it(monte_carlo, tmp_path):
    """kill -9 of the batch (not of its process group): the study it started in a second process ends too
    (cli/study.py die_with), instead of building on alone and holding its file's lock."""
    env = dict(os.environ, PLANALIGN_DB=str(tmp_path / "killed.duckdb"))
    batch = subprocess.Popen([sys.executable, "-m", "planalign", "batch", "--scenarios",
                              f"{monte_carlo['base']} {monte_carlo['alt']}", "--replications", "3"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    studies = []
    while not studies:
        assert batch.poll() is None and time.monotonic() < deadline, "the batch never started its study"
        time.sleep(0.2)
        studies = [child for child in psutil.Process(batch.pid).children()
                   if "batch-study" in " ".join(child.cmdline())]
    time.sleep(3)  # into its first build
    assert studies[0].is_running()
    os.kill(batch.pid, signal.SIGKILL)
    batch.wait()
    _, alive = psutil.wait_procs(studies, timeout=30)
    assert not alive, "the study outlived the batch that started it"


@pytest.mark.serial  # edits seeds/plan_match_tiers.csv: a run of another worker meanwhile would read the edit
def test_editing_a_seeded_tier_makes_resume_rebuild_and_say_why(fixture_census, tmp_path):
    db = tmp_path / "seed_edit.duckdb"
    scenario = write_scenario(tmp_path / "seeds.yml", fixture_census, scenario_id="seed_edit", end_year=START + 1)
    run_planalign("simulate", "--scenario", str(scenario), "--set", "plan.investment_return_rate=0.04", db=db)
    settings = query(db, "select settings_json from dim_scenario_settings")[0][0]
    assert '"investment_return_rate":0.04' in settings.replace(" ", ""), settings  # --set reached dbt
    before = query(db, "select sum(employer_match_amount) from fct_workforce_snapshot")[0][0]
    tiers = ROOT / "seeds" / "plan_match_tiers.csv"
    original = tiers.read_text()
    try:
        tiers.write_text(original.replace("safe_harbor_basic,0,999,2,0.030000,0.050000,0.500000",
                                          "safe_harbor_basic,0,999,2,0.030000,0.060000,0.500000"))
        result = run_planalign("resume", "--scenario", str(scenario), "--set", "plan.investment_return_rate=0.04",
                               db=db)
        after = query(db, "select sum(employer_match_amount) from fct_workforce_snapshot")[0][0]
    finally:
        tiers.write_text(original)
    assert "seeds/plan_match_tiers.csv (match_formula_id 'safe_harbor_basic') changed since 2025 was built" \
        in result.stdout, result.stdout
    assert f"years {START}-{START + 1}" in result.stdout
    assert after > before
    # the database now holds the edited seed: a later year alone reloads the restored one first
    later = run_planalign("year", "--scenario", str(scenario), str(START + 1), "--set",
                          "plan.investment_return_rate=0.04", "--dry-run", db=db)
    assert "reload seeds: seeds/plan_match_tiers.csv" in later.stdout, later.stdout


def _bands(seed: str) -> list[tuple[str, float, float]]:
    with (ROOT / "seeds" / f"{seed}.csv").open() as handle:
        return [(row["band_label"], float(row["min_value"]), float(row["max_value"])) for row in csv.DictReader(handle)]


def _band_of(value, bands) -> str:
    return next((label for label, low, high in bands if low <= float(value) < high), "unbanded")


def test_winners_and_losers_recomputed_person_by_person_from_the_snapshots(monte_carlo):
    """rpt_winners_losers against a plain-Python pairing of the two designs' snapshot rows: every replication's
    people, each one's employer contributions (match + core) over the two years under either design, banded on the
    base's latest row; the counts, totals, mean and P10/P90 of the change per band agree, and every dimension's
    winners + losers + unchanged add up to everyone."""
    db = monte_carlo["db"]
    rows = query(db, "select scenario_id, replication_id, simulation_year, employee_id, "
                     "employer_match_amount + employer_core_amount, job_level, age, tenure_years, "
                     "annual_compensation from fct_workforce_snapshot where scenario_id in ('mc_base', 'mc_alt')")
    people: dict[tuple[int, str], dict] = {}
    for scenario, replication, year, employee, amount, level, age, tenure, pay in rows:
        person = people.setdefault((replication, employee), {"base": Decimal(0), "alt": Decimal(0), "row": None})
        side = "base" if scenario == "mc_base" else "alt"
        person[side] += amount
        rank = (side == "base", year)
        if person["row"] is None or rank > person["row"][0]:
            person["row"] = (rank, level, age, tenure, pay)
    replications = len({replication for replication, _ in people})
    assert replications == 3
    levels = dict(query(db, "select job_level, level_name from job_levels"))
    dimensions = {"all": lambda row: "everyone", "job_level": lambda row: levels[row[1]],
                  "age_band": lambda row: _band_of(row[2], _bands("report_age_bands")),
                  "tenure_band": lambda row: _band_of(row[3], _bands("report_tenure_bands")),
                  "pay_band": lambda row: _band_of(row[4], _bands("report_pay_bands"))}
    expected: dict[tuple[str, str], list] = {}
    for person in people.values():
        change = person["alt"] - person["base"]
        for dimension, band in dimensions.items():
            expected.setdefault((dimension, band(person["row"])), []).append((person["base"], person["alt"], change))
    got = {(row[0], row[1]): row[2:] for row in query(
        db, "select dimension, band_label, people, winners, losers, unchanged, base_employer_contributions, "
            "alt_employer_contributions, mean_change, p10_change, p90_change from rpt_winners_losers "
            "where base_scenario_id = 'mc_base' and alt_scenario_id = 'mc_alt' and replication_set = 'monte_carlo'")}
    assert set(got) == set(expected)
    for key, values in expected.items():
        changes = sorted(float(change) for _, _, change in values)
        people_count, winners, losers, unchanged, base_total, alt_total, mean, p10, p90 = got[key]
        assert people_count == pytest.approx(len(values) / replications)
        assert winners == pytest.approx(sum(c > 0 for c in changes) / replications)
        assert losers == pytest.approx(sum(c < 0 for c in changes) / replications)
        assert winners + losers + unchanged == pytest.approx(people_count)
        assert base_total == (sum(b for b, _, _ in values) / replications).quantize(Decimal("0.01"))
        assert alt_total == (sum(a for _, a, _ in values) / replications).quantize(Decimal("0.01"))
        assert float(mean) == pytest.approx(sum(changes) / len(changes), abs=0.006)
        for p, value in ((0.1, p10), (0.9, p90)):  # interpolated quantile, as the bands are
            position = p * (len(changes) - 1)
            low = int(position)
            high = min(low + 1, len(changes) - 1)
            assert float(value) == pytest.approx(changes[low] + (changes[high] - changes[low]) * (position - low),
                                                 abs=0.006)
    everyone = got[("all", "everyone")][0]
    for dimension in dimensions:
        assert sum(v[0] for k, v in got.items() if k[0] == dimension) == pytest.approx(everyone)
    assert got[("all", "everyone")][1] > 0  # a richer match: somebody gains


def _quantile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def test_the_batch_writes_a_decision_summary_recomputed_from_the_yearly_audit(monte_carlo):
    """The batch's decision summary (reports/compare/<base>__decision_summary.csv, from rpt_decision_summary)
    against plain Python over rpt_year_audit, replication by replication: the present value of the employer cost
    (each year's cost at its year end, discounted at the default 4% to Jan 1 of the first year, rounded to the cent),
    cost as % of pay (sum over sum) and per participant-year, each side's mean and the paired difference's P10-P90;
    the headline names the net cost difference and its band."""
    path = reports_of(monte_carlo["db"]) / "compare" / "mc_base-baseline__decision_summary.csv"
    said = next(line for line in monte_carlo["result"].stdout.splitlines() if line.startswith("decision summary:"))
    assert str(path.relative_to(ROOT)) in said and str(path.with_suffix(".html").relative_to(ROOT)) in said
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    name = "mc_alt-mc_alt_design"
    headline, = [row for row in rows if row["period"] == "headline"]
    assert headline["figure"].startswith("Moving from mc_base/baseline to mc_alt/mc_alt_design costs $")
    assert "net of forfeitures over 2025-2026 (P10-P90 of the difference $" in headline["figure"]
    audit = query(monte_carlo["db"], "select scenario_id, replication_id, simulation_year, employer_cost, "
                                     "forfeitures, total_prorated_compensation, participant_count "
                                     "from rpt_year_audit where scenario_id in ('mc_base', 'mc_alt')")
    per_run: dict[tuple[str, int], dict[str, Decimal]] = {}
    arising = {(scenario, replication, year): forfeitures for scenario, replication, year, _, forfeitures, *_ in audit}
    for scenario, replication, year, cost, _, pay, participants in audit:
        sums = per_run.setdefault((scenario, replication), {"pv": Decimal(0), "cost": Decimal(0), "pay": Decimal(0),
                                                            "participants": Decimal(0), "net": Decimal(0)})
        discount = Decimal(str(1.04 ** (year - START + 1)))
        sums["pv"] += (Decimal(cost) / discount).quantize(Decimal("0.01"))
        sums["cost"] += cost
        # last year's forfeitures reduce this year's cost (reduce_employer_contributions), up to the cost
        sums["net"] += cost - min(arising.get((scenario, replication, year - 1), Decimal(0)), cost)
        sums["pay"] += pay
        sums["participants"] += participants
    figures = {"employer_cost_present_value": lambda s: float(s["pv"]),
               "employer_cost_pct_of_pay": lambda s: float(s["cost"] / s["pay"]),
               "employer_cost_per_participant": lambda s: float(s["cost"] / s["participants"]),
               "net_employer_cost": lambda s: float(s["net"])}
    horizon = {row["metric"]: row for row in rows if row["period"] == "horizon"}
    assert horizon["employer_cost_present_value"]["value_kind"] == "total discounted to Jan 1 2025 at 4.00%"
    assert horizon["participation_rate"]["value_kind"] == "at the end of 2026"
    assert horizon["gross_employer_cost"]["value_kind"] == "total 2025-2026"
    for metric, figure in figures.items():
        base = [figure(per_run[("mc_base", r)]) for r in (1, 2, 3)]
        alt = [figure(per_run[("mc_alt", r)]) for r in (1, 2, 3)]
        row = horizon[metric]
        assert float(row["mc_base-baseline"]) == pytest.approx(sum(base) / 3, rel=1e-6, abs=0.01), metric
        assert float(row[name]) == pytest.approx(sum(alt) / 3, rel=1e-6, abs=0.01), metric
        differences = [a - b for a, b in zip(alt, base, strict=True)]
        assert float(row[f"{name} - base P10"]) == pytest.approx(_quantile(differences, 0.1), rel=1e-6, abs=0.01)
        assert float(row[f"{name} - base P90"]) == pytest.approx(_quantile(differences, 0.9), rel=1e-6, abs=0.01)
    years = sorted({row["period"] for row in rows if row["period"] not in ("headline", "bands", "horizon")})
    # the headline, which kind of band (from the stored settings), then the horizon first
    assert years == ["2025", "2026"] and rows[1]["period"] == "bands" and rows[2]["period"] == "horizon"
    # the batch drew the uncertain assumptions per replication (its default for a Monte Carlo set)
    assert "covering random draws and assumption uncertainty" in rows[1]["figure"]


def test_the_comparison_page_and_workbook_open_with_the_decision_and_who_gains(monte_carlo):
    """The pair's page starts with the decision summary's headline (the sentence and the differences with their
    bands) and shows the winners and losers (table and chart); the workbook has both as sheets, money as dollars."""
    db = monte_carlo["db"]
    run_planalign("compare", "--base", "mc_base", "--alt", "mc_alt", "--format", "xlsx", db=db)
    page = reports_of(db) / "compare" / "mc_base-baseline__vs__mc_alt-mc_alt_design.html"
    html = page.read_text()
    sentence, = {row[0] for row in query(db, "select headline from rpt_decision_summary where "
                                             "base_scenario_id = 'mc_base' and alt_scenario_id = 'mc_alt'")}
    assert html.index(sentence.replace("'", "&#39;")) < html.index("Over the horizon")
    assert "Employer cost net of forfeitures used, total 2025-2026: alternative minus base" in html
    assert "Winners and losers: employer contributions over the years, person by person" in html
    assert 'id="chart-winners-losers"' in html
    (everyone,) = query(db, "select winners from rpt_winners_losers where base_scenario_id = 'mc_base' and "
                            "alt_scenario_id = 'mc_alt' and dimension = 'all'")
    assert re.search(rf'<td class="num" data-column="gain">{everyone[0]:,.1f}</td>', html)
    book = openpyxl.load_workbook(page.with_suffix(".xlsx"))
    sheet = book["Winners and losers"]
    header = next(row for row in sheet.iter_rows() if row[0].value == "by")
    money = [cell.column for cell in header if cell.value == "mean change per person"][0]
    assert sheet.cell(header[0].row + 1, money).number_format == "$#,##0"
    summary = book["Decision summary"]
    assert summary.cell(1, 1).value == sentence
