"""The top-heavy test (IRC §416) and the census's opening balances, checked from outside on a census built to be
top-heavy: two owners and an officer hold most of the money, a second officer is key in the start year only (no raises
in this fixture, so his flat pay falls under the next year's higher key-employee threshold) and so is a former key
employee at the third year's determination date (§416(g)(4)(B)), every other employee brings an opening balance
split by source (so that leavers forfeit unvested opening employer money), and the key employees defer 1%, so that
their highest rate (about 2% with the match) caps the minimum below 3%. Everything is recomputed here in plain
Python (tests/ndt_reference.py) from the census file, the irs_limits seed and the snapshot, never from the models'
SQL: every employee-year's balances rolled from the opening balances, every year's key share and result, and every
employee-year's top-heavy minimum, event and employer cost. Bad balance cells are rejected with their line."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import ROUND_FLOOR, Decimal

import openpyxl
import pytest
import yaml
from ndt_reference import (
    CENT,
    former_key_employees,
    half_up,
    is_top_heavy_share,
    ratio,
    top_heavy_balances,
    top_heavy_minimum,
    top_heavy_rate_units,
)

from conftest import ROOT, query, reports_of, run_planalign

START, END = 2025, 2027
RETURN = Decimal("0.05")  # investment_return_rate, the default
INDEXING = Decimal("0.025")  # limit_indexing_rate, the default
BALANCES = ["account_balance", "account_balance_deferral", "account_balance_match", "account_balance_core"]
EXTRA = ["ownership_pct", "is_officer", *BALANCES]
# employee_id, birth, hire, pay, level, deferral, ownership, officer, balance, deferral/match/core balances, reject
CRAFTED = [
    ("OWNER_A", "1960-03-01", "1995-01-01", "240000", "5", "0.01", "0.50", "", "30000000", "", "", "", None),
    ("OWNER_B", "1962-03-01", "1998-01-01", "220000", "5", "0.01", "0.30", "", "", "3000000", "1000000", "500000",
     None),
    ("OFFICER", "1966-05-01", "2001-01-01", "300000", "5", "0.01", "", "yes", "", "1500000", "", "", None),
    # above the 2025 key threshold ($230,000), under 2026's ($235,000): key in 2025 only
    ("OFFICER_DROP", "1968-05-01", "2003-01-01", "232000", "5", "0.01", "", "yes", "", "2000000", "", "", None),
    ("BAD_TEXT", "1980-01-01", "2010-01-01", "50000", "1", "", "", "", "lots", "", "", "", "invalid_account_balance"),
    ("BAD_NEG", "1980-01-01", "2010-01-01", "50000", "1", "", "", "", "", "100", "-5", "", "invalid_account_balance"),
    ("BAD_SUM", "1980-01-01", "2010-01-01", "50000", "1", "", "", "", "100", "50", "40", "",
     "account_balance_not_sum_of_sources"),
]
# no escalation: the key employees stay at 1% (2% with the match), under the 3% minimum
DESIGN = {"extends": "baseline", "id": "top_heavy_fixture", "is_auto_escalation": False, "escalation_rate": 0,
          "escalation_cap": 0}
# no merit raise (the COLA is 0 by default): pay stays flat while the key-employee threshold rises
WORKFORCE = {"merit_scale": 0.0}


def seed_limits(column: str) -> dict[int, Decimal]:
    with (ROOT / "seeds" / "irs_limits.csv").open(newline="") as handle:
        return {int(row["limit_year"]): Decimal(row[column]) for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def heavy(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("top_heavy")
    generated = folder / "generated.csv"
    run_planalign("census", "--n", "250", "--seed", "31", "--out", str(generated), db=folder / "unused.duckdb")
    with generated.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    census = folder / "census.csv"
    lines = {}
    with census.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, [*rows[0].keys(), *EXTRA], lineterminator="\n")
        writer.writeheader()
        for row in rows:  # half of the pay as employee money, a tenth as match, a twentieth as core
            pay = Decimal(row["annual_compensation"])
            number = int(row["employee_id"].removeprefix("EMP_"))
            split = number % 4 != 0  # every fourth employee has one unsplit balance (employee money)
            row.update(ownership_pct="", is_officer="",
                       account_balance="" if split else f"{pay * Decimal('0.65'):,.2f}",
                       account_balance_deferral=f"{pay / 2:.2f}" if split else "",
                       account_balance_match=f"${pay / 10:,.2f}" if split else "",
                       account_balance_core=f"{pay / 20:.2f}" if split and number % 3 == 0 else "")
            writer.writerow(row)
        for line, crafted in enumerate(CRAFTED, start=len(rows) + 2):
            employee_id, birth, hire, pay, level, rate, owner, officer, *balances, _ = crafted
            lines[employee_id] = line
            writer.writerow({"employee_id": employee_id, "birth_date": birth, "hire_date": hire,
                             "termination_date": "", "annual_compensation": pay, "job_level": level,
                             "hours_per_week": "40", "deferral_rate": rate, "enrollment_date": hire if rate else "",
                             "ssn": "", "ownership_pct": owner, "is_officer": officer,
                             **dict(zip(BALANCES, balances, strict=True))})
    scenario = folder / "heavy.yml"
    scenario.write_text(yaml.safe_dump({
        "scenario_id": "heavy", "start_year": START, "end_year": END, "random_seed": 42,
        "census_path": str(census), "plan_design": DESIGN, "workforce": WORKFORCE}))
    db = folder / "heavy.duckdb"
    run_planalign("simulate", "--scenario", str(scenario), db=db)
    return {"db": db, "census": census, "lines": lines}


def money(text: str) -> Decimal | None:
    return Decimal(text.replace(",", "").replace("$", "")) if text else None


def opening_balances(census) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """(employee, match, core) money of each census row, read as docs/census.md says: the split columns when any
    is given, else account_balance as employee money."""
    opening = {}
    with census.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["employee_id"].startswith("BAD_"):  # rejected: never simulated
                continue
            total, *sources = (money(row[column]) for column in BALANCES)
            if any(value is not None for value in sources):
                opening[row["employee_id"]] = tuple(value or Decimal(0) for value in sources)
            else:
                opening[row["employee_id"]] = (total or Decimal(0), Decimal(0), Decimal(0))
    return opening


COLUMNS = ["simulation_year", "employee_id", "employee_source", "employment_status", "prorated_compensation",
           "plan_compensation_amount", "is_plan_eligible", "employee_contribution_amount",
           "catch_up_contribution_amount", "employer_match_amount", "employer_core_amount", "qnec_amount",
           "corrective_distribution_amount", "vested_share", "employee_balance_amount", "match_balance_amount",
           "core_balance_amount", "total_balance_amount", "forfeiture_amount", "top_heavy_minimum_amount"]


def snapshot(db) -> dict[int, dict[str, dict]]:
    by_year: dict[int, dict[str, dict]] = defaultdict(dict)
    for values in query(db, f"select {', '.join(COLUMNS)} from fct_workforce_snapshot where scenario_id = 'heavy'"):
        row = dict(zip(COLUMNS, values, strict=True))
        by_year[row["simulation_year"]][row["employee_id"]] = row
    return by_year


def key_employees(census, years) -> dict[int, set[str]]:
    """§416(i)(1): officers paid above the year's threshold, 5% owners, 1% owners paid above $150,000."""
    with census.open(newline="") as handle:
        people = {row["employee_id"]: row for row in csv.DictReader(handle)}
    threshold = seed_limits("key_employee_compensation_threshold")
    last = max(threshold)
    for year in years.keys() - threshold.keys():  # past the last published year: indexed, down to $5,000 steps
        threshold[year] = (threshold[last] * (1 + INDEXING) ** (year - last) / 5000).to_integral_value(
            rounding=ROUND_FLOOR) * 5000
    keys = {}
    for year, rows in years.items():
        keys[year] = set()
        for employee_id, row in rows.items():
            person = people.get(employee_id, {})
            owner = Decimal(person.get("ownership_pct") or 0) if row["employee_source"] == "census" else 0
            officer = (person.get("is_officer") or "").lower() in ("yes", "true", "y", "1") \
                and row["employee_source"] == "census"
            pay = row["prorated_compensation"]
            if owner > Decimal("0.05") or (officer and pay > threshold[year]) or (owner > Decimal("0.01")
                                                                                 and pay > 150000):
                keys[year].add(employee_id)
    return keys


def expected_years(heavy) -> dict[int, dict]:
    """Each year's determination and each employee's minimum, recomputed."""
    years = snapshot(heavy["db"])
    opening = opening_balances(heavy["census"])
    keys = key_employees(heavy["census"], years)
    expected = {}
    for year, rows in sorted(years.items()):
        if year == START:  # the census's opening balances; the start year's key employees
            balances = {employee_id: sum(opening[employee_id]) for employee_id in rows
                        if rows[employee_id]["employee_source"] == "census"}
            determination_year = year
        else:  # last year's snapshot, its leavers included; last year's key employees
            balances = {employee_id: row["total_balance_amount"] for employee_id, row in years[year - 1].items()}
            determination_year = year - 1
        former = former_key_employees(keys, determination_year) & balances.keys()
        key_total, total, former_total = top_heavy_balances(balances, keys[determination_year], former)
        top_heavy = is_top_heavy_share(key_total, total)
        key_rates = [ratio(row["employee_contribution_amount"] - row["catch_up_contribution_amount"]
                           + row["employer_match_amount"] + row["employer_core_amount"],
                           row["plan_compensation_amount"])
                     for employee_id, row in rows.items() if employee_id in keys[year]
                     and row["plan_compensation_amount"] > 0]
        rate_units = top_heavy_rate_units(max(key_rates)) if top_heavy else 0
        minimums = {}
        for employee_id, row in rows.items():
            owed = Decimal(0)
            if rate_units and employee_id not in keys[year] and row["is_plan_eligible"] \
                    and row["employment_status"] == "active":
                owed = top_heavy_minimum(rate_units, row["plan_compensation_amount"],
                                         row["employer_match_amount"] + row["employer_core_amount"])
            minimums[employee_id] = owed
        expected[year] = {"key_total": key_total, "total": total, "top_heavy": top_heavy, "rate_units": rate_units,
                          "minimums": minimums, "former": former, "former_total": former_total}
    return expected


def test_every_year_top_heavy_recomputed(heavy):
    expected = expected_years(heavy)
    found = {row[0]: row[1:] for row in query(heavy["db"], """
        select simulation_year, result, key_balance_amount, total_balance_amount, minimum_contribution_rate,
            minimum_contribution_employees, minimum_contribution_amount, determination_date, former_key_employees,
            former_key_balance_amount
        from rpt_nondiscrimination where scenario_id = 'heavy' and test_name = 'top_heavy'""")}
    assert sorted(found) == list(range(START, END + 1))
    for year, want in expected.items():
        result, key_total, total, rate, employees, amount, determination_date, former, former_total = found[year]
        assert (key_total, total) == (want["key_total"], want["total"]), year
        assert (former, former_total) == (len(want["former"]), want["former_total"]), year
        assert result == ("fail" if want["top_heavy"] else "pass"), year
        assert rate == Decimal(want["rate_units"]) / 10000, year
        owed = [value for value in want["minimums"].values() if value > 0]
        assert (employees, amount) == (len(owed), sum(owed, Decimal(0))), year
        assert determination_date == dt.date(year - 1, 12, 31)
    # the fixture is what it claims: top-heavy, the key rate below 3% caps the minimum, some people owed nothing,
    # and the officer whose pay fell under the threshold is a former key employee at the third year's date only
    assert {year: sorted(want["former"]) for year, want in expected.items()} == {
        START: [], START + 1: [], START + 2: ["OFFICER_DROP"]}
    assert expected[START + 2]["former_total"] > 2000000
    assert all(want["top_heavy"] for want in expected.values())
    assert all(0 < want["rate_units"] < 300 for want in expected.values())
    assert all(0 < len([v for v in want["minimums"].values() if v > 0]) < len(want["minimums"])
               for want in expected.values())


def test_every_employee_year_minimum_in_snapshot_events_and_cost(heavy):
    expected = expected_years(heavy)
    events = {(row[0], row[1]): row[2] for row in query(heavy["db"], """
        select simulation_year, employee_id, amount from fct_yearly_events
        where scenario_id = 'heavy' and event_type = 'top_heavy_minimum'""")}
    rows = snapshot(heavy["db"])
    for year, want in expected.items():
        for employee_id, owed in want["minimums"].items():
            assert rows[year][employee_id]["top_heavy_minimum_amount"] == owed, (year, employee_id)
            assert events.get((year, employee_id), Decimal(0)) == owed, (year, employee_id)
    cost = dict(query(heavy["db"], "select simulation_year, top_heavy_minimum_amount from rpt_employer_cost "
                                   "where scenario_id = 'heavy'"))
    assert cost == {year: sum(want["minimums"].values(), Decimal(0)) for year, want in expected.items()}


def test_balances_roll_from_the_census_opening_balances(heavy):
    """Every census employee's first-year balances from the opening balances, and every later year's from last
    year's: balance x (1 + return) + contributions (+ the minimum into core), the unvested employer money of a leaver
    forfeited."""
    opening = opening_balances(heavy["census"])
    years = snapshot(heavy["db"])
    forfeited_opening = 0
    for year, rows in years.items():
        for employee_id, row in rows.items():
            if year == START:
                if row["employee_source"] != "census":
                    continue
                start = opening[employee_id]
            else:
                before = years[year - 1].get(employee_id)
                if before is None:
                    continue
                start = (before["employee_balance_amount"], before["match_balance_amount"],
                         before["core_balance_amount"])
            grown = [half_up(value * (1 + RETURN), CENT) for value in start]
            employee = grown[0] + row["employee_contribution_amount"] - row["corrective_distribution_amount"] \
                + row["qnec_amount"]
            match = grown[1] + row["employer_match_amount"]
            core = grown[2] + row["employer_core_amount"] + row["top_heavy_minimum_amount"]
            forfeiture = Decimal(0)
            if row["employment_status"] == "terminated":
                unvested = 1 - row["vested_share"]
                forfeiture = half_up(match * unvested, CENT) + half_up(core * unvested, CENT)
                match, core = match - half_up(match * unvested, CENT), core - half_up(core * unvested, CENT)
                if year == START and forfeiture > 0 and start[1] > 0:
                    forfeited_opening += 1
            assert (row["employee_balance_amount"], row["match_balance_amount"], row["core_balance_amount"],
                    row["forfeiture_amount"]) == (employee, match, core, forfeiture), (year, employee_id)
    assert forfeited_opening > 0  # the fixture has leavers who forfeit unvested opening match money


def test_bad_balances_rejected_with_line_numbers(heavy):
    rejects = query(heavy["db"], "select employee_id, reject_reason, census_line_number from stg_census__rejects "
                                 "where scenario_id = 'heavy' order by employee_id")
    assert rejects == sorted((c[0], c[-1], heavy["lines"][c[0]]) for c in CRAFTED if c[-1])


def test_report_and_workbook_show_the_top_heavy_test(heavy):
    """The run report's Compliance section has the top-heavy table with the view's figures, and the workbook's
    Compliance sheet has them with their number formats (shares and rates in percent, money, counts, dates)."""
    folder = reports_of(heavy["db"]) / "heavy" / "top_heavy_fixture"
    page = (folder / "report.html").read_text()
    section = page.split("<h2>Compliance: nondiscrimination tests</h2>", 1)[1].split("<h2>", 1)[0]
    table = section.split("<h3>Top-heavy test", 1)[1]
    share, amount, employees = query(heavy["db"], """
        select key_balance_share, minimum_contribution_amount, minimum_contribution_employees
        from rpt_nondiscrimination where scenario_id = 'heavy' and simulation_year = 2025
            and test_name = 'top_heavy'""")[0]
    first = table.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert 'class="bad" data-column="result">fail</td>' in first
    assert f">{share * 100:.2f}%</td>" in first and f">${amount:,.2f}</td>" in first and f">{employees:,}</td>" in first
    # the third year's row shows the former key employee left out, and his balance
    former, former_total = query(heavy["db"], """
        select former_key_employees, former_key_balance_amount from rpt_nondiscrimination
        where scenario_id = 'heavy' and simulation_year = 2027 and test_name = 'top_heavy'""")[0]
    third = table.split("<tbody>", 1)[1].split("</tr>")[2]
    assert former == 1 and 'data-column="former_key_employees">1</td>' in third
    assert f'data-column="former_key_balance_amount">${former_total:,.2f}</td>' in third
    run_planalign("export", "--scenario", str(heavy["census"].parent / "heavy.yml"), db=heavy["db"])
    sheet = openpyxl.load_workbook(folder / "workbook.xlsx")["Compliance"]
    header = [cell.value for cell in sheet[1]]
    row = next(row for row in sheet.iter_rows(min_row=2) if row[header.index("test_name")].value == "top_heavy"
               and row[header.index("simulation_year")].value == 2025)
    formats = {name: row[header.index(name)].number_format for name in (
        "key_balance_share", "minimum_contribution_rate", "minimum_contribution_amount", "key_balance_amount",
        "minimum_contribution_employees", "determination_date", "former_key_employees", "former_key_balance_amount")}
    assert formats == {"key_balance_share": "0.00%", "minimum_contribution_rate": "0.00%",
                       "minimum_contribution_amount": "$#,##0", "key_balance_amount": "$#,##0",
                       "minimum_contribution_employees": "#,##0", "determination_date": "yyyy-mm-dd",
                       "former_key_employees": "#,##0", "former_key_balance_amount": "$#,##0"}
    assert row[header.index("minimum_contribution_amount")].value == float(amount)


def test_the_time_machine_starts_from_the_opening_balances(heavy):
    """workforce-at in the start year reports the census's opening balances as the last year end's."""
    run_planalign("workforce-at", "--date", f"{START}-06-30", "--scenario", "heavy", "--plan-design",
                  "top_heavy_fixture", db=heavy["db"])
    path = reports_of(heavy["db"]) / "heavy" / "top_heavy_fixture" / f"workforce_{START}-06-30.csv"
    with path.open(newline="") as handle:
        rows = {row["employee_id"]: row for row in csv.DictReader(handle)}
    opening = opening_balances(heavy["census"])
    assert len(rows.keys() & opening.keys()) > 200
    for employee_id, row in rows.items():  # the year's hires start at zero
        balances = tuple(Decimal(row[f"prior_year_end_{source}_balance_amount"]) for source in
                         ("employee", "match", "core"))
        assert balances == opening.get(employee_id, (0, 0, 0)), employee_id
