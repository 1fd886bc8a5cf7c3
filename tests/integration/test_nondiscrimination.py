"""The nondiscrimination tests checked from outside: on a census built to fail the ADP test (highly paid people
deferring 12%, the others 1% or nothing, no auto-enrollment), every employee-year's HCE and key-employee status,
look-back pay, ADP and ACP ratios, and every year's group averages, limits, results and coverage ratios are
recomputed here in plain Python from the census file, the seeds and the snapshot, never from the models' SQL.
The census also carries the optional columns ownership_pct, is_officer and prior_year_compensation, some of
them bad, which must be rejected with their line numbers."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
import yaml

from conftest import ROOT, query, reports_of, run_planalign

START, END = 2025, 2026
BP = Decimal("0.0001")  # a hundredth of a percent
EXTRA = ["ownership_pct", "is_officer", "prior_year_compensation"]
# employee_id, birth, hire, pay, level, deferral, ownership_pct, is_officer, prior_year_compensation, reject reason
CRAFTED = [
    ("OWNER5", "1970-03-01", "2005-01-01", "60000", "2", "0.01", "0.06", "", "", None),  # HCE as a 5% owner
    ("OFFICER", "1968-05-01", "2001-01-01", "300000", "5", "0.12", "", "yes", "", None),  # key: officer
    ("OWNER1", "1972-07-01", "2003-01-01", "200000", "5", "0.12", "0.02", "false", "", None),  # key: 1% owner
    ("PRIORPAY", "1980-01-01", "2010-01-01", "90000", "3", "0.02", "", "", "170,000.00", None),  # HCE by 2024 pay
    ("PRIORLOW", "1979-01-01", "2009-01-01", "165000", "4", "0.12", "0", "no", "150000", None),  # NHCE by 2024 pay
    ("BAD_OWN", "1980-01-01", "2010-01-01", "50000", "1", "", "abc", "", "", "invalid_ownership_pct"),
    ("BIG_OWN", "1980-01-01", "2010-01-01", "50000", "1", "", "1.5", "", "", "invalid_ownership_pct"),
    ("BAD_OFFICER", "1980-01-01", "2010-01-01", "50000", "1", "", "", "maybe", "", "invalid_is_officer"),
    ("BAD_PRIOR", "1980-01-01", "2010-01-01", "50000", "1", "", "", "", "-5", "invalid_prior_year_compensation"),
]
DESIGN = {"extends": "baseline", "id": "ndt_fixture", "is_auto_enroll": False, "auto_enroll_scope": "none",
          "auto_enroll_rate": 0, "is_auto_escalation": False, "escalation_rate": 0, "escalation_cap": 0}


def seed(name: str) -> list[dict[str, str]]:
    with (ROOT / "seeds" / f"{name}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def half_up(value: Decimal, step: Decimal = BP) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def ndt(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("ndt")
    generated = folder / "generated.csv"
    run_planalign("census", "--n", "300", "--seed", "23", "--out", str(generated), db=folder / "unused.duckdb")
    with generated.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = [*rows[0].keys(), *EXTRA]
    census = folder / "census.csv"
    lines = {}
    with census.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:  # the highly paid defer 12%, a third of the others 1%, the rest nothing
            pay = Decimal(row["annual_compensation"])
            number = int(row["employee_id"].removeprefix("EMP_"))
            rate = "0.12" if pay >= 150000 else "0.01" if number % 3 == 0 else ""
            row.update(deferral_rate=rate, enrollment_date=row["hire_date"] if rate else "",
                       ownership_pct="", is_officer="", prior_year_compensation="")
            writer.writerow(row)
        for line, crafted in enumerate(CRAFTED, start=len(rows) + 2):
            (employee_id, birth, hire, pay, level, rate, owner, officer, prior, _) = crafted
            lines[employee_id] = line
            writer.writerow({"employee_id": employee_id, "birth_date": birth, "hire_date": hire,
                             "termination_date": "", "annual_compensation": pay, "job_level": level,
                             "hours_per_week": "40", "deferral_rate": rate, "enrollment_date": hire if rate else "",
                             "ssn": "", "ownership_pct": owner, "is_officer": officer,
                             "prior_year_compensation": prior})
    scenario = folder / "ndt.yml"
    scenario.write_text(yaml.safe_dump({
        "scenario_id": "ndt", "start_year": START, "end_year": END, "random_seed": 42,
        "census_path": str(census), "plan_design": DESIGN}))
    db = folder / "ndt.duckdb"
    run_planalign("simulate", "--scenario", str(scenario), db=db)
    return {"db": db, "census": census, "lines": lines}


def census_rows(path) -> dict[str, dict[str, str]]:
    with path.open(newline="") as handle:
        return {row["employee_id"]: row for row in csv.DictReader(handle)}


def thresholds(column: str) -> dict[int, Decimal]:
    return {int(row["limit_year"]): Decimal(row[column]) for row in seed("irs_limits")}


def snapshot(db) -> dict[int, dict[str, dict]]:
    names = ["simulation_year", "employee_id", "employee_source", "employment_status", "prorated_compensation",
             "is_plan_eligible", "core_compensation_amount", "employee_contribution_amount",
             "catch_up_contribution_amount", "employer_match_amount", "is_match_eligible", "hours_per_week",
             "hire_date", "termination_date"]
    by_year: dict[int, dict[str, dict]] = defaultdict(dict)
    for values in query(db, f"select {', '.join(names)} from fct_workforce_snapshot where scenario_id = 'ndt'"):
        row = dict(zip(names, values, strict=True))
        by_year[row["simulation_year"]][row["employee_id"]] = row
    return by_year


def hours(row: dict, year: int) -> Decimal:
    """Hours worked in the year: hours per week x days employed / 7."""
    end = row["termination_date"] or dt.date(year, 12, 31)
    days = (end - max(row["hire_date"], dt.date(year, 1, 1))).days + 1
    return half_up(Decimal(str(row["hours_per_week"])) * days / 7, Decimal(1))


def expected_people(ndt: dict) -> dict[tuple[int, str], dict]:
    """Each employee-year recomputed from the census file, the irs_limits seed and the snapshot."""
    census = census_rows(ndt["census"])
    hce_limit, key_limit = thresholds("hce_compensation_threshold"), thresholds("key_employee_compensation_threshold")
    years = snapshot(ndt["db"])
    expected = {}
    for year, people in years.items():
        for employee_id, row in people.items():
            source = census.get(employee_id) if row["employee_source"] == "census" else None
            if year == START:
                prior_text = (source or {}).get("prior_year_compensation", "").replace(",", "")
                lookback = Decimal(prior_text) if prior_text else Decimal(source["annual_compensation"]) \
                    if source else Decimal(0)
                origin = ("census_prior_year_compensation" if prior_text else "census_annual_compensation") \
                    if source else "not_employed_in_lookback_year"
            else:
                before = years[year - 1].get(employee_id)
                lookback = before["prorated_compensation"] if before else Decimal(0)
                origin = "prior_year_snapshot" if before else "not_employed_in_lookback_year"
            ownership = Decimal((source or {}).get("ownership_pct") or 0)
            officer = (source or {}).get("is_officer", "").lower() in {"yes", "true", "y", "1"}
            pay = row["prorated_compensation"]
            hce_reason = "five_percent_owner" if ownership > Decimal("0.05") else \
                "lookback_compensation" if lookback > hce_limit[year - 1] else None
            key_reason = "five_percent_owner" if ownership > Decimal("0.05") else \
                "officer" if officer and pay > key_limit[year] else \
                "one_percent_owner" if ownership > Decimal("0.01") and pay > 150000 else None
            compensation = row["core_compensation_amount"]
            eligible = row["is_plan_eligible"]

            def ratio(amount, eligible=eligible, compensation=compensation):
                return half_up(amount / compensation) if eligible and compensation > 0 else None

            expected[(year, employee_id)] = {
                "lookback_compensation": lookback, "lookback_source": origin, "is_hce": hce_reason is not None,
                "hce_reason": hce_reason, "key_employee_reason": key_reason, "testing_compensation": compensation,
                "actual_deferral_ratio": ratio(row["employee_contribution_amount"]
                                               - row["catch_up_contribution_amount"]),
                "actual_contribution_ratio": ratio(row["employer_match_amount"]),
                "is_match_benefiting": bool(eligible and row["is_match_eligible"]),
                "is_match_coverage_counted": bool(eligible and (row["is_match_eligible"] or row["employment_status"]
                                                                == "active" or hours(row, year) > 500)),
            }
    return expected


def test_every_employee_year_recomputed(ndt):
    expected = expected_people(ndt)
    names = ["simulation_year", "employee_id", *next(iter(expected.values())).keys()]
    stored = {(row[0], row[1]): dict(zip(names[2:], row[2:], strict=True))
              for row in query(ndt["db"], f"select {', '.join(names)} from fct_nondiscrimination_employees "
                                          "where scenario_id = 'ndt'")}
    assert stored.keys() == expected.keys()
    wrong = [(key, stored[key], value) for key, value in expected.items() if stored[key] != value]
    assert not wrong, wrong[:3]
    # the crafted people are who they were built to be
    assert expected[(START, "OWNER5")]["hce_reason"] == "five_percent_owner"
    assert expected[(START, "PRIORPAY")]["hce_reason"] == "lookback_compensation"
    assert expected[(START, "PRIORLOW")]["is_hce"] is False
    assert expected[(START, "OFFICER")]["key_employee_reason"] == "officer"
    assert expected[(START, "OWNER1")]["key_employee_reason"] == "one_percent_owner"


def limit_of(nhce: Decimal) -> Decimal:
    return max(Decimal("1.25") * nhce, min(2 * nhce, nhce + Decimal("0.02")))


def test_every_year_test_recomputed_and_adp_fails(ndt):
    expected = expected_people(ndt)
    report = {(row[0], row[1]): row[2:] for row in query(
        ndt["db"], "select simulation_year, test_name, result, hce_count, nhce_count, hce_average, nhce_average, "
                   "test_limit, margin, nhce_average_needed, ratio_percentage, lookback_sources "
                   "from rpt_nondiscrimination where scenario_id = 'ndt' and replication_id = 0")}
    for year in (START, END):
        people = [value for (y, _), value in expected.items() if y == year]
        for test, column in (("adp", "actual_deferral_ratio"), ("acp", "actual_contribution_ratio")):
            hce = [p[column] for p in people if p["is_hce"] and p[column] is not None]
            nhce = [p[column] for p in people if not p["is_hce"] and p[column] is not None]
            hce_average, nhce_average = half_up(sum(hce) / len(hce)), half_up(sum(nhce) / len(nhce))
            limit = limit_of(nhce_average)
            needed = next(n * BP for n in range(0, 10001) if limit_of(n * BP) >= hce_average)
            result = "pass" if hce_average <= limit else "fail"
            assert report[(year, test)][:8] == (result, len(hce), len(nhce), hce_average, nhce_average, limit,
                                                limit - hce_average, needed), (year, test)
        benefiting = [(p["is_hce"], p["is_match_benefiting"]) for p in people if p["is_match_coverage_counted"]]
        hce_share = Decimal(sum(b for h, b in benefiting if h)) / sum(1 for h, _ in benefiting if h)
        nhce_share = Decimal(sum(b for h, b in benefiting if not h)) / sum(1 for h, _ in benefiting if not h)
        assert report[(year, "coverage_match")][8] == half_up(nhce_share / hce_share)
    assert report[(START, "adp")][0] == "fail", "the fixture is built to fail the ADP test"
    (_, _, _, hce_average, nhce_average, _, margin, _, _, sources) = report[(START, "adp")]
    assert margin == limit_of(nhce_average) - hce_average < 0
    assert sources == "census_annual_compensation, census_prior_year_compensation"
    assert report[(END, "adp")][9] == "prior_year_snapshot"
    assert report[(START, "coverage_core")][0] == "not_applicable"


def test_bad_optional_columns_rejected_with_line_numbers(ndt):
    rejects = query(ndt["db"], "select employee_id, reject_reason, census_line_number from stg_census__rejects "
                               "where scenario_id = 'ndt' order by employee_id")
    assert rejects == sorted((c[0], c[9], ndt["lines"][c[0]]) for c in CRAFTED if c[9])
    staged = dict(query(ndt["db"], "select employee_id, prior_year_compensation from stg_census__employees "
                                   "where scenario_id = 'ndt' and prior_year_compensation is not null"))
    assert staged == {"PRIORPAY": Decimal("170000.00"), "PRIORLOW": Decimal("150000.00")}


def test_top_paid_group_and_thresholds_are_recorded(ndt):
    """The design row stored for the run carries the flags; the thresholds used name their published year."""
    assert query(ndt["db"], "select safe_harbor, ndt_testing_method, ndt_compensation, hce_top_paid_group "
                            "from dim_plan_designs where scenario_id = 'ndt'") == [
        ("none", "current_year", "while_eligible", False)]
    assert query(ndt["db"], "select distinct simulation_year, hce_compensation_threshold, hce_threshold_published_year "
                            "from fct_nondiscrimination_employees where scenario_id = 'ndt' order by 1") == [
        (2025, Decimal("155000.00"), 2024), (2026, Decimal("160000.00"), 2025)]


def test_the_run_report_has_the_compliance_section(ndt):
    """The report make simulate wrote: the Compliance section lists every test of every year, the failed ADP
    of the start year marked as failed, with its figures as the view has them."""
    page = (reports_of(ndt["db"]) / "ndt" / "ndt_fixture" / "report.html").read_text()
    section = page.split("<h2>Compliance: nondiscrimination tests</h2>", 1)[1].split("<h2>", 1)[0]
    hce_average, margin = query(ndt["db"], "select hce_average, margin from rpt_nondiscrimination where "
                                           "scenario_id = 'ndt' and simulation_year = 2025 and test_name = 'adp'")[0]
    first_adp = section.split('data-column="test_name">adp</td>', 1)[1].split("</tr>", 1)[0]
    assert 'class="bad" data-column="result">fail</td>' in first_adp
    # the margin, a difference of two rates, in percentage points as the decision summary writes it
    assert f">{hce_average * 100:.2f}%</td>" in first_adp and f">{margin * 100:+.2f} pt</td>" in first_adp
    # three tables, each with its header row: ADP and ACP (2 a year), coverage (3 a year), top-heavy (1 a year)
    assert section.count("<tr>") == 3 + 6 * (END - START + 1)
