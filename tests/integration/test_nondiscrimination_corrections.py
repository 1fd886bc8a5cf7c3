"""The corrections of a failed ADP/ACP test checked from outside, under each ndt_correction setting. One census built
to fail both tests (the highly paid defer 12%, 8%, 3% or nothing, so that the leveling cuts some and not others; a
third of the others 3%, a third 1%, the rest nothing; no auto-enrollment; a 3-year cliff, so much of the HCEs'
excess match is unvested) is simulated three times in one database, with common
random numbers, so the people are the same: report (2025), refund (2025-2026) and qnec (2025). For every HCE and
NHCE of every failed test the leveling, the dollar shares, the catch-up kept, the refunds, the forfeitures and the
QNEC are recomputed in plain Python (tests/ndt_reference.py: the regulation's step-by-step method, exact fractions)
from the employees' ratios (themselves recomputed from the snapshot by test_nondiscrimination.py), the snapshot and
the irs_limits seed; then the events, balances and employer cost each setting must (and must not) change."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import openpyxl
import pytest
import yaml
from ndt_reference import (
    BP,
    average,
    excess_total,
    first_leveling,
    half_up,
    limit_of,
    passes,
    qnec_amount,
    qnec_rate_units,
    ratio,
    second_leveling,
    target_of,
)

from conftest import ROOT, query, reports_of, run_planalign

CENT = Decimal("0.01")
RUNS = {"report": 2025, "refund": 2026, "qnec": 2025}  # setting -> last year simulated (all start in 2025)
DESIGN = {"extends": "baseline", "is_auto_enroll": False, "auto_enroll_scope": "none", "auto_enroll_rate": 0,
          "is_auto_escalation": False, "escalation_rate": 0, "escalation_cap": 0}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("ndtfix")
    db = folder / "corrections.duckdb"
    generated = folder / "generated.csv"
    run_planalign("census", "--n", "300", "--seed", "23", "--out", str(generated), db=folder / "unused.duckdb")
    with generated.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    census = folder / "census.csv"
    with census.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0].keys()), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            number = int(row["employee_id"].removeprefix("EMP_"))
            rate = ["0.12", "0.08", "0.03", ""][number % 4] if Decimal(row["annual_compensation"]) >= 150000 \
                else ["0.03", "0.01", ""][number % 3]
            row.update(deferral_rate=rate, enrollment_date=row["hire_date"] if rate else "")
            writer.writerow(row)
    for setting, end in RUNS.items():
        scenario = folder / f"{setting}.yml"
        scenario.write_text(yaml.safe_dump({
            "scenario_id": f"ndt_{setting}", "start_year": 2025, "end_year": end, "random_seed": 42,
            "census_path": str(census), "plan_design": {**DESIGN, "id": f"fix_{setting}", "ndt_correction": setting}}))
        run_planalign("simulate", "--scenario", str(scenario), db=db)
    return {"db": db, "folder": folder}


def limits() -> dict[int, dict[str, Decimal]]:
    with (ROOT / "seeds" / "irs_limits.csv").open(newline="") as handle:
        return {int(row["limit_year"]): {k: Decimal(v) if v else None for k, v in row.items()}
                for row in csv.DictReader(handle)}


def unused_catch_up(year: int, birth_year: int, catch_up: Decimal) -> Decimal:
    """IRC §414(v): 50 or older by Dec 31 (60-63: the super catch-up where the year has one), less what was used."""
    limit = limits()[year]
    age = year - birth_year
    allowed = limit["super_catch_up_limit"] if 60 <= age <= 63 and limit["super_catch_up_limit"] else \
        limit["catch_up_limit"] if age >= 50 else Decimal(0)
    return allowed - catch_up


def people(db, scenario: str, year: int) -> dict[str, dict]:
    names = ["employee_id", "is_hce", "testing_compensation", "adp_deferral_amount", "actual_deferral_ratio",
             "acp_match_amount", "actual_contribution_ratio", "birth_date", "catch_up_contribution_amount",
             "vested_share", "employment_status", "employee_contribution_amount", "employer_match_amount",
             "employee_balance_amount", "match_balance_amount", "forfeiture_amount", "qnec_amount",
             "corrective_distribution_amount"]
    rows = query(db, f"""
        select {', '.join(names)} from fct_nondiscrimination_employees as n
        inner join fct_workforce_snapshot as s using (scenario_id, plan_design_id, replication_id, simulation_year,
            employee_id, employment_status)
        where scenario_id = '{scenario}' and simulation_year = {year}""")
    return {row[0]: dict(zip(names, row, strict=True)) for row in rows}


def expected_corrections(db, scenario: str, year: int) -> tuple[dict, dict]:
    """(per (test, employee) the figures recomputed, per test the summary) of one scenario-year."""
    staff = people(db, scenario, year)
    rows, summary = {}, {}
    for test, ratio_column, amount_column in (("adp", "actual_deferral_ratio", "adp_deferral_amount"),
                                              ("acp", "actual_contribution_ratio", "acp_match_amount")):
        tested = {k: p for k, p in staff.items() if p[ratio_column] is not None}
        hce = {k: p for k, p in tested.items() if p["is_hce"]}
        nhce = {k: p for k, p in tested.items() if not p["is_hce"]}
        hce_average = average([p[ratio_column] for p in hce.values()])
        limit = limit_of(average([p[ratio_column] for p in nhce.values()]))
        if hce_average <= limit:
            summary[test] = None
            continue
        ratios = {k: p[ratio_column] for k, p in hce.items()}
        amounts = {k: p[amount_column] for k, p in hce.items()}
        leveled = first_leveling(ratios, target_of(limit))
        total = excess_total(ratios, amounts, {k: p["testing_compensation"] for k, p in hce.items()}, leveled)
        shares = second_leveling(amounts, total)
        for key, share in shares.items():
            if share == 0:
                continue
            person = hce[key]
            excess = Decimal(share.numerator) / Decimal(share.denominator)
            unused = max(unused_catch_up(year, person["birth_date"].year, person["catch_up_contribution_amount"]),
                         Decimal(0))
            rows[(test, key)] = {"excess": excess, "unused_catch_up": unused, "vested_share": person["vested_share"],
                                 "qnec": Decimal(0)}
        units = qnec_rate_units(hce_average, {k: (p[amount_column], p["testing_compensation"])
                                              for k, p in nhce.items() if p["testing_compensation"] > 0})
        for key, person in nhce.items():
            if person["testing_compensation"] > 0:
                rows[(test, key)] = {"excess": Decimal(0), "unused_catch_up": Decimal(0), "vested_share": Decimal(0),
                                     "qnec": qnec_amount(units, person["testing_compensation"])}
        # after the QNEC the test passes (recomputed from the NHCEs' dollars)
        assert passes(hce_average, [ratio(p[amount_column] + qnec_amount(units, p["testing_compensation"]),
                                          p["testing_compensation"]) for p in nhce.values()])
        # after the leveling the HCE average meets the limit, and what is shared out is the excess
        assert sum(leveled.values()) / len(leveled) <= Fraction(limit) and sum(shares.values()) == Fraction(total)
        summary[test] = {"excess_total": total, "qnec_rate": units * BP,
                         "qnec_cost": sum(r["qnec"] for (t, _), r in rows.items() if t == test)}
    return rows, summary


def split(test: str, excess: Decimal, person: dict) -> tuple[Decimal, Decimal, Decimal]:
    """(kept as catch-up, distributed, forfeited) of an HCE's share of the excess."""
    if test == "adp":
        kept = min(excess, person["unused_catch_up"])
        return kept, excess - kept, Decimal(0)
    paid = half_up(excess * person["vested_share"], CENT)
    return Decimal(0), paid, excess - paid


def stored_corrections(db, scenario: str, year: int) -> dict:
    return {(r[0], r[1]): {"excess": r[2], "kept": r[3], "paid": r[4], "forfeited": r[5], "qnec": r[6],
                           "applied": r[7]}
            for r in query(db, f"""select test_name, employee_id, excess_amount, recharacterized_amount,
                distributed_amount, forfeited_amount, qnec_amount, is_applied from fct_nondiscrimination_corrections
                where scenario_id = '{scenario}' and simulation_year = {year}""")}


@pytest.mark.parametrize("setting, year", [("report", 2025), ("refund", 2025), ("refund", 2026), ("qnec", 2025)])
def test_every_correction_recomputed(runs, setting, year):
    scenario = f"ndt_{setting}"
    expected, summary = expected_corrections(runs["db"], scenario, year)
    stored = stored_corrections(runs["db"], scenario, year)
    assert summary["adp"] and summary["acp"], "the fixture is built to fail both tests"
    assert stored.keys() == expected.keys()
    for key, want in expected.items():
        got = stored[key]
        # the dollar shares: exact fractions here, cents there (rounded down, the cents left to the largest remainders)
        assert abs(got["excess"] - want["excess"]) <= CENT, (key, got, want)
        # the split of the stored share: catch-up kept up to the unused limit (ADP), vested part paid (ACP)
        assert (got["kept"], got["paid"], got["forfeited"]) == split(key[0], got["excess"], want), (key, got, want)
        assert got["qnec"] == want["qnec"], (key, got, want)
        applies = (setting == "refund" and got["excess"] > 0) or (setting == "qnec" and got["qnec"] > 0)
        assert got["applied"] == applies
    report = {r[0]: r[1:] for r in query(runs["db"], f"""select test_name, excess_total, refund_total,
        recharacterized_total, forfeited_total, qnec_rate, qnec_cost, correction_applied, applied_employer_cost
        from rpt_nondiscrimination_corrections where scenario_id = '{scenario}' and simulation_year = {year}""")}
    for test in ("adp", "acp"):
        excess, refund, kept, forfeited, rate, cost, applied, employer_cost = report[test]
        assert abs(excess - summary[test]["excess_total"]) <= CENT  # cents of floating point in the model's sum
        assert excess == sum(v["excess"] for (t, _), v in stored.items() if t == test) == refund + kept + forfeited
        assert (rate, cost) == (summary[test]["qnec_rate"], summary[test]["qnec_cost"])
        assert applied == ("none" if setting == "report" else setting)
        assert employer_cost == (cost if setting == "qnec" else 0)
    if year == 2025:
        assert report["adp"][2] > 0, "some HCE of 50 or more keeps part of the excess as catch-up"
        assert report["acp"][3] > 0, "the 3-year cliff leaves unvested excess match to forfeit"
        cut = {k for (t, k), v in expected.items() if t == "adp" and v["excess"] > 0}
        hces = {k for k, p in people(runs["db"], scenario, year).items() if p["is_hce"]}
        assert cut and hces - cut, "the leveling cuts some HCEs and leaves others"


def events(db, scenario: str) -> dict[tuple, Decimal]:
    return {(r[0], r[1], r[2]): r[3] for r in query(db, f"""select simulation_year, employee_id, event_type, amount
        from fct_yearly_events where scenario_id = '{scenario}'
        and event_type in ('qnec', 'corrective_distribution')""")}


def test_report_changes_nothing_and_prices_both_corrections(runs):
    db = runs["db"]
    assert events(db, "ndt_report") == {}
    assert query(db, "select sum(qnec_amount), sum(corrective_distribution_amount) from fct_workforce_snapshot "
                     "where scenario_id = 'ndt_report'") == [(0, 0)]
    # the same people (common random numbers): what report prices is what refund and qnec apply
    priced = {r[0]: r[1:] for r in query(db, """select plan_design_id, sum(refund_total), sum(qnec_cost)
        from rpt_nondiscrimination_corrections where simulation_year = 2025 group by 1""")}
    assert priced["fix_report"] == priced["fix_refund"] == priced["fix_qnec"]
    applied = dict(query(db, """select scenario_id, sum(amount) from fct_yearly_events where simulation_year = 2025
        and event_type in ('qnec', 'corrective_distribution') group by 1"""))
    assert applied == {"ndt_refund": priced["fix_report"][0], "ndt_qnec": priced["fix_report"][1]}


def test_refund_events_and_balances(runs):
    db = runs["db"]
    paid = defaultdict(Decimal)
    excess_match = defaultdict(Decimal)
    for year in (2025, 2026):
        for (test, key), got in stored_corrections(db, "ndt_refund", year).items():
            paid[(year, key)] += got["paid"]
            if test == "acp":
                excess_match[(year, key)] += got["excess"]
    assert {(y, k): a for (y, k, _), a in events(db, "ndt_refund").items()} == {k: v for k, v in paid.items() if v}
    # 2025 starts from nothing: each active's balances are the year's money less the correction
    staff = people(db, "ndt_refund", 2025)
    adp = {k: v["paid"] for (t, k), v in stored_corrections(db, "ndt_refund", 2025).items() if t == "adp"}
    for key, person in staff.items():
        assert person["corrective_distribution_amount"] == paid.get((2025, key), 0)
        assert person["qnec_amount"] == 0
        if person["employment_status"] == "active":
            assert person["employee_balance_amount"] == person["employee_contribution_amount"] - adp.get(key, 0)
            assert person["match_balance_amount"] == \
                person["employer_match_amount"] - excess_match.get((2025, key), 0), key


def test_qnec_events_balances_and_employer_cost(runs):
    db = runs["db"]
    by_person = defaultdict(Decimal)
    for (_, key), got in stored_corrections(db, "ndt_qnec", 2025).items():
        by_person[key] += got["qnec"]
    assert {k: a for (_, k, _), a in events(db, "ndt_qnec").items()} == {k: v for k, v in by_person.items() if v}
    assert any(by_person.values())
    for key, person in people(db, "ndt_qnec", 2025).items():
        assert person["qnec_amount"] == by_person.get(key, 0)
        if person["employment_status"] == "active":  # fully vested, with the deferrals
            assert person["employee_balance_amount"] == person["employee_contribution_amount"] + by_person.get(key, 0)
    cost = dict(query(db, "select scenario_id, employer_cost - employer_match - employer_core from rpt_year_audit "
                          "where simulation_year = 2025 and scenario_id in ('ndt_qnec', 'ndt_report')"))
    assert cost == {"ndt_qnec": sum(by_person.values()), "ndt_report": 0}


def test_the_workbook_has_a_compliance_sheet(runs):
    """make export: one row per test, year and replication, the corrections beside the ADP and ACP rows."""
    run_planalign("export", "--scenario", str(runs["folder"] / "refund.yml"), "--format", "xlsx", db=runs["db"])
    sheet = openpyxl.load_workbook(reports_of(runs["db"]) / "ndt_refund" / "fix_refund" / "workbook.xlsx")["Compliance"]
    header, *body = sheet.iter_rows(values_only=True)
    stored = query(runs["db"], """select simulation_year, test_name, result, refund_total, qnec_cost
        from rpt_nondiscrimination left join rpt_nondiscrimination_corrections
            using (scenario_id, plan_design_id, replication_id, simulation_year, test_name, result)
        where scenario_id = 'ndt_refund' order by simulation_year, test_name""")
    picked = [tuple(row[header.index(name)] for name in ("simulation_year", "test_name", "result", "refund_total",
                                                             "qnec_cost")) for row in body]
    assert picked == [(y, t, r, None if f is None else float(f), None if q is None else float(q))
                      for y, t, r, f, q in stored]
    assert sheet.cell(2, header.index("hce_average") + 1).number_format == "0.00%"
