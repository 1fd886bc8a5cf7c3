"""Participation, opt-out and deferral as uncertain assumptions: the shift settings plan.voluntary_enrollment_shift,
plan.opt_out_shift and plan.voluntary_deferral_shift, with real dbt on the fixture census (one year).

Every run has the same census and seed, so the same people see the same draws (common random numbers): a higher
probability can only add enrollees, a lower one only remove them. Each event's probability and deferral rate is
recomputed in Python from the unshifted run's (plus the shift, clamped) - not read back from the SQL that made it."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import ROOT, START, query, run_planalign, write_scenario

# (scenario_id, voluntary enrollment shift, opt-out shift, deferral shift)
RUNS = (("zero", 0.0, 0.0, 0.0), ("up", 0.10, 0.10, 0.02), ("down", -0.05, -0.05, -0.01),
        ("clamp_high", 1.0, -1.0, -0.1), ("clamp_low", -1.0, 1.0, 0.0))
MATCH_RATE = 0.05  # the baseline design's match-maximizing rate (100% of 3% + 50% of the next 2%)


@pytest.fixture(scope="module")
def shifted(tmp_path_factory, fixture_census) -> dict:
    folder = tmp_path_factory.mktemp("behaviour_shifts")
    scenario = write_scenario(folder / "fixture.yml", fixture_census, end_year=START)
    db = folder / "shifts.duckdb"
    for scenario_id, enrollment, opt_out, deferral in RUNS:
        sets = [f"scenario_id={scenario_id}"]
        sets += [f"plan.{name}={value}" for name, value in (("voluntary_enrollment_shift", enrollment),
                                                            ("opt_out_shift", opt_out),
                                                            ("voluntary_deferral_shift", deferral)) if value]
        run_planalign("simulate", "--scenario", str(scenario), *(arg for s in sets for arg in ("--set", s)), db=db)
    drawn = folder / "drawn.duckdb"
    run_planalign("simulate", "--scenario", str(scenario), "--set", "replications=3", "--set",
                  "parameter_uncertainty=true", db=drawn)
    return {"db": db, "drawn": drawn}


def events(db, scenario_id: str, reason: str) -> dict[str, tuple[float, float]]:
    """employee -> (probability, deferral rate after) of the year's events with this reason."""
    rows = query(db, "select employee_id, probability, deferral_rate_after from fct_yearly_events "
                     "where scenario_id = ? and reason = ? and replication_id = 0", [scenario_id, reason])
    return {employee: (probability, float(rate) if rate is not None else None)
            for employee, probability, rate in rows}


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return round(min(high, max(low, value)), 6)


def deferral_table() -> list[float]:
    with (ROOT / "seeds" / "voluntary_deferral_rates.csv").open(newline="") as handle:
        return sorted(float(row["deferral_rate"]) for row in csv.DictReader(handle) if float(row["weight"]) > 0)


def test_a_higher_enrollment_rate_adds_enrollees_and_a_lower_one_removes_them(shifted):
    db = shifted["db"]
    zero, up, down = (events(db, name, "voluntary") for name in ("zero", "up", "down"))
    assert set(down) < set(zero) < set(up), "participation must be monotone in the shift (same draws)"
    for shifted_events, shift in ((up, 0.10), (down, -0.05)):
        for employee in set(zero) & set(shifted_events):
            assert shifted_events[employee][0] == pytest.approx(clamp(zero[employee][0] + shift), abs=1e-9)


def test_participation_at_year_end_moves_with_the_shift(shifted):
    enrolled = dict(query(shifted["db"], "select scenario_id, count(*) from fct_workforce_snapshot "
                                         "where enrollment_status = 'enrolled' and replication_id = 0 group by 1"))
    assert enrolled["down"] < enrolled["zero"] < enrolled["up"] < enrolled["clamp_high"]
    assert enrolled["clamp_low"] < enrolled["down"]


def test_enrollment_probabilities_are_kept_inside_0_and_1(shifted):
    db = shifted["db"]
    everyone = events(db, "clamp_high", "voluntary")
    assert everyone and {probability for probability, _ in everyone.values()} == {1.0}
    assert events(db, "clamp_low", "voluntary") == {}  # every probability 0: nobody enrolls on their own


def test_opt_outs_move_with_their_shift_and_clamp(shifted):
    db = shifted["db"]
    zero, up, down = (events(db, name, "opt_out") for name in ("zero", "up", "down"))
    assert set(down) <= set(zero) <= set(up) and len(down) < len(up)
    for employee in set(zero) & set(up):
        assert up[employee][0] == pytest.approx(clamp(zero[employee][0] + 0.10), abs=1e-9)
    assert events(db, "clamp_high", "opt_out") == {}  # opt-out probability 0
    everyone = events(db, "clamp_low", "opt_out")  # probability 1: every auto-enrollee whose window ends in the year
    assert set(everyone) >= set(up) and {probability for probability, _ in everyone.values()} == {1.0}
    # the shifts never change who is auto-enrolled
    autos = {name: set(events(db, name, "auto_enroll")) for name, *_ in RUNS}
    assert len({frozenset(found) for found in autos.values()}) == 1 and autos["zero"]


def test_the_drawn_deferral_rate_moves_and_the_match_rate_does_not(shifted):
    db = shifted["db"]
    table = deferral_table()
    zero, up, down = (events(db, name, "voluntary") for name in ("zero", "up", "down"))
    moved = 0
    for employee in set(zero) & set(up):
        before, after = zero[employee][1], up[employee][1]
        assert after in (pytest.approx(before), pytest.approx(min(1.0, before + 0.02)))
        moved += after != pytest.approx(before)
    assert moved > 0
    for employee in set(zero) & set(down):
        before, after = zero[employee][1], down[employee][1]
        assert after in (pytest.approx(before), pytest.approx(max(table[0], before - 0.01)))
    # -10 points: every drawn rate is held at the table's lowest (the match-maximizing choice is not shifted)
    assert {rate for _, rate in events(db, "clamp_high", "voluntary").values()} == {table[0], MATCH_RATE}


def test_the_stored_settings_name_the_shifts_only_when_set(shifted):
    settings = {scenario_id: json.loads(text) for scenario_id, text in
                query(shifted["db"], "select scenario_id, settings_json from dim_scenario_settings")}
    assert not {"voluntary_enrollment_shift", "opt_out_shift", "voluntary_deferral_shift"} & set(settings["zero"])
    assert (settings["up"]["voluntary_enrollment_shift"], settings["up"]["opt_out_shift"],
            settings["up"]["voluntary_deferral_shift"]) == (0.1, 0.1, 0.02)


def test_parameter_uncertainty_draws_one_enrollment_shift_per_replication(shifted):
    """Every voluntary enrollment of a replication has its age band's seeded rate plus the same shift, and the
    replications draw different shifts (the stated range: +/- 3 points)."""
    with (ROOT / "seeds" / "enrollment_behavior.csv").open(newline="") as handle:
        rates = [float(row["voluntary_enrollment_rate"]) for row in csv.DictReader(handle)
                 if row["enrollment_profile_id"] == "standard"]
    found = query(shifted["drawn"], "select replication_id, list(distinct probability) from fct_yearly_events "
                                    "where reason = 'voluntary' group by 1 order by 1")
    assert [replication for replication, _ in found] == [1, 2, 3]
    shifts = []
    for _, probabilities in found:
        candidates = None
        for probability in probabilities:
            here = {round(probability - rate, 6) for rate in rates}
            candidates = here if candidates is None else candidates & here
        assert candidates and len(candidates) == 1, "one shift for every age band of a replication"
        shifts.append(candidates.pop())
    assert len(set(shifts)) == 3 and all(abs(shift) < 0.15 for shift in shifts)
