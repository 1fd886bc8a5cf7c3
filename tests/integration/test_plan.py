"""The plan engine checked from outside: every contribution recomputed in Python to the cent from the
snapshot and the seeds, balances rolled forward, plan events folded, and plan designs that change the
costs and nothing else in the workforce."""

from __future__ import annotations

import csv
import datetime as dt
import math
import shutil
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
import yaml

from conftest import ROOT, query, run_planalign
from digests import table_digest

CENT = Decimal("0.01")
VARS = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
SNAPSHOT_COLUMNS = (
    "simulation_year, employee_id, plan_design_id, employment_status, birth_date, hire_date, termination_date, "
    "hours_per_week, prorated_compensation, is_plan_eligible, enrollment_status, deferral_rate, "
    "plan_compensation_amount, deferral_compensation_amount, core_compensation_amount, "
    "employee_contribution_amount, catch_up_contribution_amount, employer_match_amount, employer_core_amount, "
    "forfeiture_amount, employee_balance_amount, match_balance_amount, core_balance_amount, vested_share")
WORKFORCE_COLUMNS = ("employee_id, employment_status, hire_date, termination_date, termination_reason, job_level, "
                     "annual_compensation, prorated_compensation, age, tenure_years")


def seed(name: str) -> list[dict[str, str]]:
    with (ROOT / "seeds" / f"{name}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def irs_limits(year: int) -> dict[str, Decimal | None]:
    published = {int(row["limit_year"]): row for row in seed("irs_limits")}
    base_year = max(y for y in published if y <= year)
    factor = (1 + VARS["limit_indexing_rate"]) ** (year - base_year)
    increments = {"elective_deferral_limit": "elective_deferral", "catch_up_limit": "catch_up",
                  "super_catch_up_limit": "super_catch_up", "annual_additions_limit": "annual_additions",
                  "compensation_limit": "compensation"}
    limits = {}
    for column, key in increments.items():
        raw = published[base_year][column]
        if raw == "":
            limits[column] = None
        elif year == base_year:
            limits[column] = Decimal(raw)
        else:
            step = VARS["limit_rounding"][key]
            limits[column] = Decimal(math.floor(float(Decimal(raw)) * factor / step) * step)
    return limits


def snapshot_rows(db, scenario_id: str = "fixture") -> list[dict]:
    names = [name.strip() for name in SNAPSHOT_COLUMNS.split(",")]
    rows = query(db, f"select {SNAPSHOT_COLUMNS} from fct_workforce_snapshot where scenario_id = ? "
                     "order by plan_design_id, simulation_year, employee_id", [scenario_id])
    return [dict(zip(names, row, strict=True)) for row in rows]


def completed_years(start: dt.date, end: dt.date) -> int:
    """Whole years of service by anniversaries."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def expected_contributions(row: dict) -> dict[str, Decimal]:
    """Deferral, match and core for one snapshot row, from the plan design seeds alone."""
    year = row["simulation_year"]
    design = next(d for d in seed("plan_designs") if d["plan_design_id"] == row["plan_design_id"])
    limits = irs_limits(year)
    end = row["termination_date"] or dt.date(year, 12, 31)
    start = max(row["hire_date"], dt.date(year, 1, 1))
    service = completed_years(row["hire_date"], end)
    hours = math.floor(row["hours_per_week"] * ((end - start).days + 1) / 7 + 0.5)
    on_last_day = end == dt.date(year, 12, 31)
    age = year - row["birth_date"].year

    deferral_base = row["deferral_compensation_amount"]
    rate = Decimal(str(round(row["deferral_rate"] or 0, 6)))
    catch_up = limits["catch_up_limit"] if age >= 50 else Decimal(0)
    if 60 <= age <= 63 and limits["super_catch_up_limit"] is not None:
        catch_up = limits["super_catch_up_limit"]
    employee = min(cents(rate * deferral_base), limits["elective_deferral_limit"] + catch_up)
    catch_up_part = max(employee - limits["elective_deferral_limit"], Decimal(0))

    match = Decimal(0)
    if (design["match_formula_id"] != "none" and service >= int(design["match_min_service_years"])
            and (on_last_day or design["match_requires_last_day"] != "true")
            and hours >= int(design["match_min_annual_hours"])):
        for tier in seed("plan_match_tiers"):
            if (tier["match_formula_id"] == design["match_formula_id"]
                    and int(tier["min_service_years"]) <= service < int(tier["max_service_years"])):
                low, high = Decimal(tier["deferral_from"]), Decimal(tier["deferral_to"])
                match += Decimal(tier["match_rate"]) * min(max(employee - low * deferral_base, Decimal(0)),
                                                           (high - low) * deferral_base)
        match = cents(match)
        if design["match_cap_rate"]:
            match = min(match, cents(Decimal(design["match_cap_rate"]) * deferral_base))

    core = Decimal(0)
    if (design["core_formula_id"] != "none" and row["is_plan_eligible"]
            and service >= int(design["core_min_service_years"])
            and (on_last_day or design["core_requires_last_day"] != "true")
            and hours >= int(design["core_min_annual_hours"])):
        for tier in seed("plan_core_tiers"):
            if (tier["core_formula_id"] == design["core_formula_id"]
                    and int(tier["min_service_years"]) <= service < int(tier["max_service_years"])):
                core = cents(Decimal(tier["core_rate"]) * row["core_compensation_amount"])

    excess = max(employee - catch_up_part + match + core
                 - min(limits["annual_additions_limit"], row["prorated_compensation"]), Decimal(0))
    core_cut = min(excess, core)
    match_cut = min(excess - core_cut, match)
    return {"employee_contribution_amount": employee, "catch_up_contribution_amount": catch_up_part,
            "employer_match_amount": match - match_cut, "employer_core_amount": core - core_cut}


def assert_contributions_recomputed(rows: list[dict]) -> None:
    mismatches = []
    for row in rows:
        expected = expected_contributions(row)
        for column, amount in expected.items():
            if row[column] != amount:
                mismatches.append((row["simulation_year"], row["employee_id"], column, row[column], amount))
    assert not mismatches, f"{len(mismatches)} amounts differ, e.g. {mismatches[:5]}"


def test_match_and_deferrals_recomputed_to_the_cent(simulated):
    rows = snapshot_rows(simulated["db"])
    assert_contributions_recomputed(rows)
    matched = [r for r in rows if r["employer_match_amount"] > 0]
    assert len(matched) > 100, "the fixture should exercise the match"
    unmatched = [r for r in rows if r["employee_contribution_amount"] > 0 and r["employer_match_amount"] == 0]
    assert not unmatched, "the baseline design matches every deferral (no match eligibility rules)"


def test_balances_roll_forward_and_vest(simulated):
    rows = snapshot_rows(simulated["db"])
    previous = {(r["simulation_year"], r["employee_id"]): r for r in rows}
    schedule = [(int(s["service_years"]), Decimal(s["vested_share"])) for s in seed("vesting_schedules")
                if s["vesting_schedule_id"] == "cliff_3"]
    growth = Decimal(str(1 + VARS["investment_return_rate"]))
    forfeitures = 0
    for row in rows:
        last = previous.get((row["simulation_year"] - 1, row["employee_id"]))
        opening = {source: (last[f"{source}_balance_amount"] if last else Decimal(0))
                   for source in ("employee", "match", "core")}
        assert row["employee_balance_amount"] == cents(opening["employee"] * growth) + row[
            "employee_contribution_amount"]
        end = row["termination_date"] or dt.date(row["simulation_year"], 12, 31)
        service = completed_years(row["hire_date"], end)
        share = max(s for years, s in schedule if years <= service)
        assert row["vested_share"] == share
        match_before = cents(opening["match"] * growth) + row["employer_match_amount"]
        if row["employment_status"] == "terminated":
            forfeited = cents(match_before * (1 - share))
            assert row["forfeiture_amount"] == forfeited
            assert row["match_balance_amount"] == match_before - forfeited
            forfeitures += forfeited > 0
        else:
            assert row["forfeiture_amount"] == 0 and row["match_balance_amount"] == match_before
    assert forfeitures > 0, "the fixture should exercise a forfeiture"


def test_plan_events_fold_into_the_snapshot(simulated):
    db = simulated["db"]
    snapshot = {(r["simulation_year"], r["employee_id"]): r for r in snapshot_rows(db)}
    events = defaultdict(list)
    for year, employee_id, kind, date, after, amount in query(db, """
            select simulation_year, employee_id, event_type, effective_date, deferral_rate_after, amount
            from fct_yearly_events where scenario_id = 'fixture'
            order by simulation_year, employee_id, event_sequence"""):
        events[(year, employee_id)].append((kind, date, after, amount))
    kinds = {kind for items in events.values() for kind, *_ in items}
    assert {"eligibility", "enrollment", "opt_out", "deferral_escalation", "employee_contribution",
            "employer_match", "forfeiture"} <= kinds
    for key, items in events.items():
        row = snapshot[key]
        rate_changes = [after for kind, _, after, _ in items
                        if kind in ("enrollment", "opt_out", "deferral_escalation", "deferral_change")]
        if rate_changes:
            assert row["deferral_rate"] == pytest.approx(rate_changes[-1], abs=1e-9), key
        if any(kind == "opt_out" for kind, *_ in items):
            assert row["enrollment_status"] == "opted_out" and row["employee_contribution_amount"] == 0
        amounts = {kind: amount for kind, _, _, amount in items}
        assert amounts.get("employee_contribution", 0) == row["employee_contribution_amount"], key
        assert amounts.get("employer_match", 0) == row["employer_match_amount"], key
        assert amounts.get("forfeiture", 0) == row["forfeiture_amount"], key
        dates = [date for kind, date, *_ in items if kind == "eligibility"]
        if dates:
            enrolled = [date for kind, date, *_ in items if kind == "enrollment"]
            assert all(date >= dates[0] for date in enrolled), key


@pytest.fixture(scope="module")
def designs(simulated, tmp_path_factory) -> dict:
    """The fixture run copied, then the same census and seed under two more plan designs."""
    db = tmp_path_factory.mktemp("designs") / "designs.duckdb"
    shutil.copy(simulated["db"], db)
    for plan_design_id in ("simple_match", "flat_core"):
        run_planalign("simulate", "--scenario", str(simulated["scenario"]), "--plan-design", plan_design_id, db=db)
    return {"db": db}


def test_plan_designs_change_costs_and_nothing_else(designs):
    db = designs["db"]
    for year in (2025, 2026, 2027):
        digests = {design: table_digest(db, f"(select {WORKFORCE_COLUMNS} from fct_workforce_snapshot "
                                            f"where plan_design_id = '{design}' and simulation_year = {year})")
                   for design in ("baseline", "simple_match", "flat_core")}
        assert len(set(digests.values())) == 1, (year, digests)
    workforce_events = {design: query(db, """
            select simulation_year, employee_id, event_type, effective_date, compensation_after, reason
            from fct_yearly_events
            where plan_design_id = ? and event_type in ('hire', 'termination', 'promotion', 'raise')
            order by all""", [design]) for design in ("baseline", "simple_match", "flat_core")}
    assert workforce_events["baseline"] == workforce_events["simple_match"] == workforce_events["flat_core"]

    costs = dict(query(db, """select plan_design_id, sum(employer_match_amount + employer_core_amount)
                               from fct_workforce_snapshot group by 1"""))
    assert len(set(costs.values())) == 3, costs
    assert_contributions_recomputed(snapshot_rows(db))


def test_plan_design_differences_are_the_ones_designed(designs):
    db = designs["db"]
    by_design = {row[0]: row[1:] for row in query(db, """
        select plan_design_id, sum(employer_match_amount), sum(employer_core_amount),
               count(*) filter (where employer_core_amount > 0),
               sum(employer_match_amount)
                   filter (where employer_match_amount > round(0.03 * deferral_compensation_amount, 2))
        from fct_workforce_snapshot group by 1""")}
    baseline_match, baseline_core, _, _ = by_design["baseline"]
    simple_match, simple_core, _, over_three_percent = by_design["simple_match"]
    flat_match, flat_core, core_count, _ = by_design["flat_core"]
    assert baseline_core == 0 and simple_core == 0 and flat_match == 0
    assert flat_core > 0 and core_count > 0
    assert over_three_percent is None, "50% up to 6% never matches more than 3% of pay"
    auto = dict(query(db, """select plan_design_id, count(*) from fct_yearly_events
                             where event_type = 'enrollment' and reason = 'auto_enroll' group by 1"""))
    assert auto.get("baseline", 0) > 0 and "simple_match" not in auto and "flat_core" not in auto
    # flat_core pays 3% of pay while eligible to everyone eligible (before 415(c), which never binds here)
    off = query(db, """select count(*) from fct_workforce_snapshot where plan_design_id = 'flat_core'
                       and employer_core_amount <> round(0.03 * core_compensation_amount, 2)""")[0][0]
    assert off == 0
