"""Roth deferrals, the Roth catch-up rule and employer cost net of forfeitures, checked from outside the models:
every figure is recomputed here in plain Python from the events, the snapshots and the seeds, never from the
models' SQL.
- The default run (the shared fixture, 2025-2027): the net cost identity recomputed from fct_yearly_events;
  forfeitures arising in a year are used in the next one; pre-tax + Roth = the deferral, and the only Roth is
  the catch-up of employees under the rule, from 2026, when their prior-year pay exceeded the threshold.
- The same census and seed with a scenario's own roth_elections table (inline) and a design that pays plan
  expenses with forfeitures: the elections follow the table, are kept across years, change the split and never
  the amounts (equal to the default run's).
- A design without Roth: nobody under the rule makes a catch-up; nobody elects Roth.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
import yaml

from conftest import ROOT, query, run_planalign

CENT = Decimal("0.01")
RULE_YEAR = 2026
ROTH_TABLE = [{"min_age": 0, "max_age": 200, "roth_election_rate": 0.4, "roth_deferral_share": 0.5}]
# Savers aged 55 in 2026 deferring 40%, past 402(g) + catch-up, in a start year of 2026 whose prior-year wages
# are the census prior_year_compensation (else its pay): employee_id, pay, prior_year_compensation, under the rule
CRAFTED = [("AT_THRESHOLD", "150000.00", "150000.00", False), ("CENT_ABOVE", "150000.00", "150000.01", True),
           ("PAY_ABOVE", "240000.00", "", True), ("PAY_BELOW", "110000.00", "", False)]


def threshold(year: int) -> Decimal:
    rows = {int(r["limit_year"]): r for r in csv.DictReader((ROOT / "seeds" / "irs_limits.csv").open())}
    return Decimal(rows[min(year, max(rows))]["roth_catch_up_wage_threshold"])


def employer_cost_recomputed(db, scenario_id: str, forfeiture_use: str) -> dict[tuple, dict[str, Decimal]]:
    """Per (replication, year) from the events alone: gross, forfeitures arising, used (next year), net."""
    sums: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for replication, year, event_type, amount in query(
            db, "select replication_id, simulation_year, event_type, amount from fct_yearly_events "
                "where scenario_id = ? and event_type in ('employer_match', 'employer_core', 'forfeiture')",
            [scenario_id]):
        sums[(replication, year)][event_type] += amount
    out = {}
    for replication, year in query(db, "select distinct replication_id, simulation_year from fct_headcount_plan "
                                       "where scenario_id = ? order by 1, 2", [scenario_id]):
        now, before = sums[(replication, year)], sums.get((replication, year - 1), {})
        gross = now["employer_match"] + now["employer_core"]
        available = before.get("forfeiture", Decimal(0))
        used = min(available, gross) if forfeiture_use == "reduce_employer_contributions" else Decimal(0)
        out[(replication, year)] = {"gross": gross, "arising": now["forfeiture"], "available": available,
                                    "used_to_reduce": used, "net": gross - used}
    return out


def stored_employer_cost(db, scenario_id: str) -> dict[tuple, dict[str, Decimal]]:
    rows = query(db, "select replication_id, simulation_year, gross_employer_cost_amount, forfeitures_arising_amount,"
                     " forfeitures_available_amount, forfeitures_used_to_reduce_amount, net_employer_cost_amount, "
                     "match_plus_core from (select *, employer_match_amount + employer_core_amount + qnec_amount + "
                     "top_heavy_minimum_amount as match_plus_core from rpt_employer_cost) where scenario_id = ?",
                 [scenario_id])
    return {(r[0], r[1]): {"gross": r[2], "arising": r[3], "available": r[4], "used_to_reduce": r[5], "net": r[6],
                           "sum_of_sources": r[7]} for r in rows}


def test_net_employer_cost_is_recomputed_from_the_events(simulated):
    db = simulated["db"]
    expected = employer_cost_recomputed(db, "fixture", "reduce_employer_contributions")
    stored = stored_employer_cost(db, "fixture")
    assert set(stored) == set(expected) and len(expected) == 3
    for key, figures in expected.items():
        got = stored[key]
        assert got["sum_of_sources"] == got["gross"]
        assert {name: got[name] for name in figures} == figures, key
    # the audit line, the metrics and so the comparisons show the same net cost
    audit = dict(((r[0], r[1]), (r[2], r[3], r[4])) for r in query(
        db, "select replication_id, simulation_year, gross_employer_cost, forfeitures_used, net_employer_cost "
            "from rpt_year_audit where scenario_id = 'fixture'"))
    assert audit == {key: (f["gross"], f["used_to_reduce"], f["net"]) for key, f in expected.items()}
    horizon = query(db, "select metric_value from rpt_scenario_metrics where scenario_id = 'fixture' "
                        "and period = 'horizon' and metric = 'net_employer_cost'")[0][0]
    assert horizon == sum(f["net"] for f in expected.values())


def test_a_forfeiture_arising_in_a_year_is_used_in_the_next(simulated):
    stored = stored_employer_cost(simulated["db"], "fixture")
    years = sorted(year for _, year in stored)
    assert stored[(0, years[0])]["available"] == 0 and stored[(0, years[0])]["used_to_reduce"] == 0
    for year in years[1:]:
        before, now = stored[(0, year - 1)], stored[(0, year)]
        assert before["arising"] > 0, "the fixture needs forfeitures to show their use"
        assert now["available"] == before["arising"]
        assert now["used_to_reduce"] == min(before["arising"], now["gross"]) > 0
        assert now["net"] == now["gross"] - now["used_to_reduce"]


def test_the_default_run_splits_only_the_catch_up_of_employees_under_the_rule(simulated):
    db = simulated["db"]
    rows = query(db, "select simulation_year, employee_id, employee_contribution_amount, pre_tax_contribution_amount,"
                     " roth_contribution_amount, catch_up_contribution_amount, roth_catch_up_contribution_amount, "
                     "roth_deferral_share, prior_year_wages_amount, is_roth_catch_up_required, prorated_compensation,"
                     " employment_status from fct_workforce_snapshot where scenario_id = 'fixture' "
                     "order by simulation_year, employee_id")
    prior = {(r[0], r[1]): r[10] for r in rows}
    required = 0
    for year, employee, total, pre_tax, roth, catch_up, roth_catch_up, share, wages, is_required, *_ in rows:
        assert pre_tax + roth == total and share == 0
        if year > 2025:  # later years: the prior year's pay from the prior snapshot (hires: none)
            assert wages == prior.get((year - 1, employee)), employee
        expected_required = year >= RULE_YEAR and wages is not None and wages > threshold(year)
        assert is_required == expected_required, (year, employee, wages)
        assert roth == roth_catch_up == (catch_up if is_required else 0), (year, employee)
        required += is_required and catch_up > 0
    assert required > 0, "the fixture needs a catch-up under the rule"


@pytest.fixture(scope="module")
def roth_run(tmp_path_factory, fixture_census) -> dict:
    """The fixture census, 2025-2026, with a Roth table and a design paying plan expenses with forfeitures; then
    the crafted savers alone, 2026 only, with the same table, in a design without Roth."""
    folder = tmp_path_factory.mktemp("roth")
    crafted = folder / "crafted.csv"
    header = fixture_census.read_text().splitlines()[0]
    crafted.write_text(f"{header},prior_year_compensation\n" + "".join(
        f"{e},1971-03-01,2005-01-01,,{pay},5,40,0.40,2005-01-01,123-45-6789,{prior}\n"
        for e, pay, prior, _ in CRAFTED))
    workforce = {"total_termination_rate": 0.12, "target_growth_rate": 0.03, "new_hire_termination_rate": 0.25}
    table = {"tables": {"roth_elections": ROTH_TABLE}}
    db = folder / "roth.duckdb"
    scenarios = {
        "roth_table": {"start_year": 2025, "end_year": 2026, "census_path": str(fixture_census),
                       "plan_design": {"extends": "baseline", "id": "pays_expenses",
                                       "forfeiture_use": "pay_plan_expenses"}},
        "no_roth": {"start_year": 2026, "end_year": 2026, "census_path": str(crafted),
                    "plan_design": {"extends": "baseline", "id": "no_roth", "roth_available": False}},
    }
    for name, content in scenarios.items():
        path = folder / f"{name}.yml"
        path.write_text(yaml.safe_dump({"scenario_id": name, "random_seed": 42, "workforce": workforce,
                                        "assumptions": table, **content}))
        run_planalign("simulate", "--scenario", str(path), db=db)
    return {"db": db}


def _snapshot(db, scenario_id: str) -> list[tuple]:
    return query(db, "select simulation_year, employee_id, employee_contribution_amount, pre_tax_contribution_amount,"
                     " roth_contribution_amount, catch_up_contribution_amount, roth_catch_up_contribution_amount, "
                     "roth_deferral_share, is_roth_catch_up_required, deferral_rate, age from fct_workforce_snapshot "
                     "where scenario_id = ? order by simulation_year, employee_id", [scenario_id])


def test_a_roth_table_of_a_scenario_splits_the_deferrals_as_it_says(roth_run, simulated):
    db = roth_run["db"]
    rows = _snapshot(db, "roth_table")
    electing, deferring, elected_by_year = 0, 0, defaultdict(set)
    for year, employee, total, pre_tax, roth, catch_up, roth_catch_up, share, is_required, *_ in rows:
        assert pre_tax + roth == total
        assert share in (0, Decimal("0.5"))
        base_roth = ((total - catch_up) * share).quantize(CENT, ROUND_HALF_UP)
        expected_catch_up = catch_up if is_required else (catch_up * share).quantize(CENT, ROUND_HALF_UP)
        assert (roth_catch_up, roth) == (expected_catch_up, base_roth + expected_catch_up), (year, employee)
        if total > 0:
            deferring += 1
            electing += share > 0
            if share > 0:
                elected_by_year[year].add(employee)
    # 40% elect: a binomial count within 4 standard deviations
    spread = 4 * (deferring * 0.4 * 0.6) ** 0.5
    assert abs(electing - 0.4 * deferring) < spread, (electing, deferring)
    # one draw per person: whoever elected in 2025 and still defers in 2026 elects again
    deferring_2026 = {r[1] for r in rows if r[0] == 2026 and r[2] > 0}
    assert elected_by_year[2025] & deferring_2026 <= elected_by_year[2026]
    # the table is stored with the results, and the amounts are the default run's: only the split is new
    stored = query(db, "select table_source from dim_assumptions where scenario_id = 'roth_table' "
                       "and table_name = 'roth_elections'")
    assert stored and stored[0][0].endswith("(inline)")
    # same census and seed as the default run: the same people put in the same amounts, only the split differs
    amounts = sorted((r[0], r[1], r[2], r[5]) for r in rows)
    default = query(simulated["db"], "select simulation_year, employee_id, employee_contribution_amount, "
                                     "catch_up_contribution_amount from fct_workforce_snapshot where scenario_id = "
                                     "'fixture' and simulation_year <= 2026 order by 1, 2")
    assert amounts == default


def test_forfeitures_paying_plan_expenses_do_not_reduce_the_cost(roth_run):
    db = roth_run["db"]
    expected = employer_cost_recomputed(db, "roth_table", "pay_plan_expenses")
    rows = {(r[0], r[1]): r[2:] for r in query(
        db, "select replication_id, simulation_year, forfeiture_use, forfeitures_paid_as_expenses_amount, "
            "forfeitures_used_to_reduce_amount, net_employer_cost_amount, gross_employer_cost_amount "
            "from rpt_employer_cost where scenario_id = 'roth_table'")}
    assert set(rows) == set(expected)
    for key, figures in expected.items():
        use, expenses, reduce, net, gross = rows[key]
        assert use == "pay_plan_expenses" and reduce == 0 and net == gross == figures["gross"]
        assert expenses == figures["available"]


def test_without_roth_nobody_under_the_rule_makes_a_catch_up(roth_run):
    """A real run at the threshold's edges: exactly $150,000.00 of prior-year wages keeps the catch-up, one cent
    more takes it away (no Roth to make it in); the census pay stands in when prior_year_compensation is blank."""
    rows = {r[1]: r for r in _snapshot(roth_run["db"], "no_roth")}
    limit = Decimal(next(r for r in csv.DictReader((ROOT / "seeds" / "irs_limits.csv").open())
                         if r["limit_year"] == "2026")["elective_deferral_limit"])
    catch_up = Decimal(next(r for r in csv.DictReader((ROOT / "seeds" / "irs_limits.csv").open())
                            if r["limit_year"] == "2026")["catch_up_limit"])
    assert set(rows) == {e for e, *_ in CRAFTED}
    for employee, _, _, under_rule in CRAFTED:
        year, _, total, pre_tax, roth, made_catch_up, _, share, is_required, *_ = rows[employee]
        assert year == 2026 and roth == 0 and share == 0 and pre_tax == total  # no Roth: nobody elects it
        assert is_required is under_rule, employee
        assert (total, made_catch_up) == ((limit, 0) if under_rule else (limit + catch_up, catch_up)), employee
