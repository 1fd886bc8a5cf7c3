"""Deferrals that respond to the match, checked from outside the models: every decision is recomputed here in plain
Python from the events, the census file and the md5 draws (the rule of macros/rng/uniform_draw.sql), never from
the models' SQL.

One census (1,500 generated employees), 2025-2026, in one database, under baseline variants that differ only in
their match:
- cap5 (100% of 5%, the census plan's rate) and cap4 (100% of 4%), with half the voluntary enrollees choosing the
  match-maximizing rate and half the participants below it moving up: each voluntary enrollee landed on the rate
  exactly when their match_rate_choice draw said so, else on their voluntary_deferral draw, and the share at the
  rate is near the assumption (binomial interval); in cap4, the census participants below 4% moved up exactly
  when their match_move_up draw said so, in 2025 only, and the snapshot holds the new rate; cap5 (the census
  plan's rate) moves nobody; the employee deferrals of the two designs now differ;
- a design without a match, response on and off: identical deferrals to the cent;
- cap5 with both shares 0: every voluntary enrollee is on their voluntary_deferral draw, the rule before the
  response existed (with the default run's digests this is how byte-identity was shown, see docs/rules.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from decimal import Decimal

import pytest
import yaml
from scipy.stats import binomtest

from conftest import ROOT, query, run_planalign

SEED = 42
SHARES = {"enrollee_match_share": 0.5, "move_up_share": 0.5}
OFF = {"enrollee_match_share": 0, "move_up_share": 0}
CAP = {"cap5": Decimal("0.05"), "cap4": Decimal("0.04")}


def uniform(employee_id: str, purpose: str, year: int, replication: int = 0, seed: int = SEED) -> float:
    """The engine's draw: md5 of seed|replication|key|year|purpose, its first 13 hex digits, shifted by half."""
    digest = hashlib.md5("|".join([str(seed), str(replication), employee_id, str(year), purpose]).encode()).hexdigest()
    return (int(digest[:13], 16) + 0.5) / 2 ** 52


def deferral_grid() -> list[tuple[Decimal, float, float]]:
    """voluntary_deferral_rates as [lower, upper) slices of (0, 1), in rate order (the seed's weights)."""
    rows = sorted((Decimal(r["deferral_rate"]), float(r["weight"]))
                  for r in csv.DictReader((ROOT / "seeds" / "voluntary_deferral_rates.csv").open()))
    total, cumulated, out = sum(w for _, w in rows), 0.0, []
    for index, (rate, weight) in enumerate(rows):
        upper = 1.0 if index == len(rows) - 1 else (cumulated + weight) / total
        out.append((rate, cumulated / total, upper))
        cumulated += weight
    return out


def drawn_rate(employee_id: str, year: int) -> Decimal:
    u = uniform(employee_id, "voluntary_deferral", year)
    return next(rate for rate, low, high in deferral_grid() if low <= u < high)


def _design(name: str, tiers: list[dict] | None) -> dict:
    if tiers is None:
        return {"extends": "baseline", "id": name, "match_formula_id": "none", "match_tiers": []}
    return {"extends": "baseline", "id": name, "match_tiers": tiers}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("match_response")
    census = folder / "census.csv"
    run_planalign("census", "--n", "1500", "--seed", "5", "--out", str(census), db=folder / "unused.duckdb")
    db = folder / "match.duckdb"
    designs = {"cap5": [{"deferral_from": 0.0, "deferral_to": 0.05, "match_rate": 1.0}],
               "cap4": [{"deferral_from": 0.0, "deferral_to": 0.04, "match_rate": 1.0}],
               "nomatch": None}
    plan = {"cap5_on": ("cap5", SHARES), "cap4_on": ("cap4", SHARES), "cap5_off": ("cap5", OFF),
            "nomatch_on": ("nomatch", SHARES), "nomatch_off": ("nomatch", OFF)}
    for scenario_id, (design, shares) in plan.items():
        path = folder / f"{scenario_id}.yml"
        path.write_text(yaml.safe_dump({
            "extends": str(ROOT / "scenarios" / "baseline.yml"), "scenario_id": scenario_id, "start_year": 2025,
            "end_year": 2026, "random_seed": SEED, "census_path": str(census),
            "plan_design": _design(design, designs[design]),
            "assumptions": {"tables": {"match_response": [{"min_age": 0, "max_age": 200, **shares}]}}}))
        run_planalign("simulate", "--scenario", str(path), db=db)
    return {"db": db, "census": census}


def voluntary_enrollments(db, scenario_id: str) -> list[tuple[str, int, Decimal]]:
    return [(e, y, Decimal(str(round(r, 6)))) for e, y, r in query(
        db, "select employee_id, simulation_year, deferral_rate_after from fct_yearly_events "
            "where scenario_id = ? and event_type = 'enrollment' and reason = 'voluntary' order by 1, 2",
        [scenario_id])]


@pytest.mark.parametrize("scenario_id", ["cap5_on", "cap4_on"])
def test_each_voluntary_enrollee_chose_the_match_rate_exactly_when_the_draw_said_so(runs, scenario_id):
    rate = CAP[scenario_id[:4]]
    enrollments = voluntary_enrollments(runs["db"], scenario_id)
    assert len(enrollments) >= 60, len(enrollments)
    chosen = 0
    for employee_id, year, stored in enrollments:
        responds = uniform(employee_id, "match_rate_choice", year) < SHARES["enrollee_match_share"]
        chosen += responds
        expected = rate if responds else drawn_rate(employee_id, year)
        assert stored == expected, (employee_id, year, stored, expected, responds)
    # the share at the rate is near the assumption: s + (1 - s) x the draw's weight at the rate
    at_rate = sum(1 for *_, stored in enrollments if stored == rate)
    weight = next(high - low for r, low, high in deferral_grid() if r == rate)
    expected_share = SHARES["enrollee_match_share"] + (1 - SHARES["enrollee_match_share"]) * weight
    interval = binomtest(at_rate, len(enrollments), expected_share).proportion_ci(confidence_level=0.999)
    assert interval.low <= expected_share <= interval.high, (at_rate, len(enrollments), expected_share)
    assert 0 < chosen < len(enrollments)


def test_with_both_shares_0_every_enrollee_is_on_the_draw_as_before_the_response(runs):
    enrollments = voluntary_enrollments(runs["db"], "cap5_off")
    assert len(enrollments) >= 60
    for employee_id, year, stored in enrollments:
        assert stored == drawn_rate(employee_id, year), (employee_id, year)
    assert not query(runs["db"], "select 1 from fct_yearly_events where event_type = 'deferral_change' "
                                 "and scenario_id in ('cap5_off', 'nomatch_off', 'nomatch_on')")


def census_participants(census) -> dict[str, Decimal]:
    """Deferring census rows enrolled before 2025 and still employed on Jan 1 2025: their census rate."""
    start = dt.date(2025, 1, 1)
    out = {}
    for row in csv.DictReader(census.open()):
        left = row.get("termination_date") and dt.date.fromisoformat(row["termination_date"]) < start
        enrolled = row.get("enrollment_date") and dt.date.fromisoformat(row["enrollment_date"]) < start
        if not left and enrolled and row.get("deferral_rate") and Decimal(row["deferral_rate"]) > 0:
            out[row["employee_id"]] = Decimal(row["deferral_rate"])
    return out


def test_participants_below_the_new_rate_moved_up_exactly_when_the_draw_said_so(runs):
    db = runs["db"]
    escalated = {e: Decimal(str(round(r, 6))) for e, r in query(
        db, "select employee_id, deferral_rate_after from fct_yearly_events where scenario_id = 'cap4_on' "
            "and simulation_year = 2025 and event_type = 'deferral_escalation'")}
    expected = {}
    for employee_id, rate in census_participants(runs["census"]).items():
        before = escalated.get(employee_id, rate)
        if before < CAP["cap4"] and uniform(employee_id, "match_move_up", 2025) < SHARES["move_up_share"]:
            expected[employee_id] = before
    moved = {e: (y, Decimal(str(round(b, 6))), Decimal(str(round(a, 6))), d, reason) for e, y, b, a, d, reason in query(
        db, "select employee_id, simulation_year, deferral_rate_before, deferral_rate_after, effective_date, reason "
            "from fct_yearly_events where scenario_id = 'cap4_on' and event_type = 'deferral_change'")}
    assert len(expected) >= 20 and set(moved) == set(expected)
    for employee_id, (year, before, after, day, reason) in moved.items():
        assert (year, before, after, day, reason) == (2025, expected[employee_id], CAP["cap4"], dt.date(2025, 1, 1),
                                                      "match_response")
    # the snapshot folds it: a mover still enrolled at the end of 2025 defers the new rate
    rates = dict(query(db, "select employee_id, deferral_rate from fct_workforce_snapshot where scenario_id = "
                           "'cap4_on' and simulation_year = 2025 and enrollment_status = 'enrolled'"))
    assert all(Decimal(str(round(rates[e], 6))) == CAP["cap4"] for e in moved if e in rates)
    # the census plan's own rate (cap5: 5%, the baseline's) moves nobody
    assert not query(db, "select 1 from fct_yearly_events where scenario_id = 'cap5_on' "
                         "and event_type = 'deferral_change'")


def employee_deferrals(db, scenario_id: str) -> dict[tuple, Decimal]:
    return {(e, y): a for e, y, a in query(
        db, "select employee_id, simulation_year, amount from fct_yearly_events "
            "where scenario_id = ? and event_type = 'employee_contribution'", [scenario_id])}


def test_a_4_and_a_5_percent_match_now_give_different_employee_deferrals(runs):
    cap4, cap5 = employee_deferrals(runs["db"], "cap4_on"), employee_deferrals(runs["db"], "cap5_on")
    assert set(cap4) == set(cap5)
    changed = [key for key in cap4 if cap4[key] != cap5[key]]
    assert len(changed) >= 20, len(changed)
    assert sum(cap4.values()) != sum(cap5.values())


def test_a_design_without_match_gives_the_deferrals_of_response_off(runs):
    db = runs["db"]
    on, off = employee_deferrals(db, "nomatch_on"), employee_deferrals(db, "nomatch_off")
    assert on and on == off
    plan_events = ("select employee_id, simulation_year, event_type, effective_date, deferral_rate_after, amount "
                   "from fct_yearly_events where scenario_id = ? order by all")
    assert query(db, plan_events, ["nomatch_on"]) == query(db, plan_events, ["nomatch_off"])
