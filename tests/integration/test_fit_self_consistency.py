"""The fitter's self-consistency: a history the engine itself simulated (make census-history, 20,000 employees,
4 yearly snapshots) from assumptions far from the defaults (tests/fixtures/fit_truth/) is fitted, and the truth
lies inside the 90% interval of at least 80% of the estimates with 200 or more events (about 90% is expected).

The truth comes from the history's truth/ folder (the tables and settings the engine read). Two kinds of
estimate are defined only up to a convention, and their truth is put on the fit's convention here, recomputed
in plain Python from the files (not from the fit's SQL):
- termination base rates: the engine rescales the hazards every year so that exactly total_termination_rate
  leave, picking the k smallest exponential clocks, so the table's bases matter only by their ratios. The
  truth is the engine's effective yearly hazard at the reference bands: base x (that year's rescaling x the
  clock cut-off that lets exactly k leave), averaged over the years as the fit does;
- the match response: only the share of enrollees at the match-maximizing rate is identifiable, not whether
  they got there by the response or by a draw of voluntary_deferral_rates that hit the same rate; the fit
  gives it all to the response, so the truth is s + (1 - s) x w(rate), and the deferral mix's truth is the
  mix of the other rates;
- merit and COLA: only their sum in each (level, year) is identifiable; the fit anchors the stayers' mean
  merit at the shipped one, so the truth is shifted by the same constant.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq
from statsmodels.stats.proportion import proportion_confint

from conftest import ROOT
from planalign.fit import fit_history

MIN_EVENTS = 200
MATCH_RATE = 0.05  # the baseline design's match-maximizing rate: 100% of 3% + 50% of the next 2%
REQUIRED_COVERAGE = 0.80


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def band_of(value: float, rows: list[dict], kind: str) -> dict:
    return next(row for row in rows if float(row[f"min_{kind}"]) <= value < float(row[f"max_{kind}"]))


def effective_bases(history: Path, truth: dict, tables: dict) -> dict[int, float]:
    """The engine's effective yearly hazard at the reference bands, by level, from the files and the truth."""
    rate = truth["workforce"]["total_termination_rate"]
    levels = {int(row["job_level"]): float(row["termination_base_rate"]) for row in tables["job_levels"]}
    logs, weights = [], []
    for name in truth["files"][:-1]:
        year = int(name[7:11])
        jan1 = dt.date(year, 1, 1)
        raw = []
        for row in read(history / name):
            hired = dt.date.fromisoformat(row["hire_date"])
            left = row["termination_date"] and dt.date.fromisoformat(row["termination_date"]) < jan1
            if hired > jan1 or left:
                continue
            age = (jan1 - dt.date.fromisoformat(row["birth_date"])).days / 365.25
            tenure = (jan1 - hired).days / 365.25
            raw.append(levels[int(row["job_level"])]
                       * float(band_of(age, tables["hazard_age_bands"], "age")["termination_multiplier"])
                       * float(band_of(tenure, tables["hazard_tenure_bands"], "tenure")["termination_multiplier"]))
        raw = np.array(raw)
        hazard = raw * rate / raw.mean()
        leavers = math.floor(len(raw) * rate + 0.5)
        cut = brentq(lambda t, h=hazard, k=leavers: float((1 - np.exp(-t * h)).sum()) - k, 1e-3, 100)
        logs.append(math.log(cut * rate / raw.mean()))
        weights.append(len(raw))
    scale = math.exp(float(np.average(logs, weights=weights)))
    return {level: base * scale for level, base in levels.items()}


def truths(history: Path, result) -> tuple[dict, dict]:
    """(table, name, key) -> truth on the fit's conventions; and the rows left out with the reason."""
    truth = json.loads((history / "truth" / "settings.json").read_text())
    tables = {path.stem: read(path) for path in (history / "truth").glob("*.csv")}
    workforce = truth["workforce"]
    out: dict[tuple, float] = {}
    for name in ("total_termination_rate", "new_hire_termination_rate", "promotion_increase", "target_growth_rate"):
        out[("workforce", name, "")] = workforce[name]
    out[("workforce", "new_hire_pay_range", "low")], out[("workforce", "new_hire_pay_range", "high")] = \
        workforce["new_hire_pay_range"]
    for level, base in effective_bases(history, truth, tables).items():
        out[("job_levels.csv", "termination_base_rate", f"level {level}")] = base
    for kind in ("age", "tenure"):
        for row in tables[f"hazard_{kind}_bands"]:
            for column in ("termination_multiplier", "promotion_multiplier"):
                out[(f"hazard_{kind}_bands.csv", column, f"{kind} {row[f'{kind}_band']}")] = float(row[column])
    for row in tables["promotion_transitions"]:
        out[("promotion_transitions.csv", "base_rate", f"{row['from_level']}->{row['to_level']}")] = \
            float(row["base_rate"])
    for row in tables["job_levels"]:
        out[("job_levels.csv", "new_hire_weight", f"level {row['job_level']}")] = float(row["new_hire_weight"])
    for row in tables["new_hire_age_mix"]:
        out[("new_hire_age_mix.csv", "weight", f"age {row['age']}")] = float(row["weight"])
    # the match response (the history's plan is the baseline design, whose match-maximizing rate is 5%): an
    # enrollee lands on it by the response (share s) or by a draw that hits it (1 - s) x w(5%); the fit's deferral
    # mix is of the others, w / (1 - w(5%)), and 0 at 5%
    weights = {float(row["deferral_rate"]): float(row["weight"]) for row in tables["voluntary_deferral_rates"]}
    at_match = weights.get(MATCH_RATE, 0.0) / sum(weights.values())
    for rate, weight in weights.items():
        share = 0.0 if rate == MATCH_RATE else weight / sum(weights.values()) / (1 - at_match)
        out[("voluntary_deferral_rates.csv", "weight", f"rate {rate:g}")] = share
    for row in tables["match_response"]:
        share = float(row["enrollee_match_share"])
        key = f"age {float(row['min_age']):g}-{float(row['max_age']):g}"
        out[("match_response.csv", "enrollee_match_share", key)] = share + (1 - share) * at_match
    for row in tables["enrollment_behavior"]:
        if row["enrollment_profile_id"] == "standard":
            key = f"age {float(row['min_age']):g}-{float(row['max_age']):g}"
            for column in ("voluntary_enrollment_rate", "opt_out_rate"):
                out[("enrollment_behavior.csv", column, key)] = float(row[column])
    # merit and COLA on the fit's anchor: the stayers' mean merit is the shipped one
    stayers = {int(e.key.split()[1]): e.exposure for e in result.estimates if e.name == "merit_rate"}
    merit = {int(row["job_level"]): float(row["merit_rate"]) for row in tables["job_levels"]}
    shipped = {int(row["job_level"]): float(row["merit_rate"]) for row in read(ROOT / "seeds" / "job_levels.csv")}
    total = sum(stayers.values())
    offset = sum((merit[lv] - shipped[lv]) * n for lv, n in stayers.items()) / total
    for level, rate in merit.items():
        out[("job_levels.csv", "merit_rate", f"level {level}")] = rate - offset
    colas = {int(row["simulation_year"]): float(row["cola_rate"]) for row in tables["cola_rates"]}
    for year in truth["simulated_years"]:
        out[("cola_rates.csv", "cola_rate", str(year))] = colas[year] + offset
    # the fit's default_cola_rate is the mean COLA of the history's years (the projection's assumption)
    out[("workforce", "default_cola_rate", "")] = float(np.mean([colas[y] for y in truth["simulated_years"]])) + offset
    left_out = {"participation_rate": "not an engine input: no truth"}
    return out, left_out


@pytest.fixture(scope="module")
def fitted(engine_history, tmp_path_factory):
    root = tmp_path_factory.mktemp("fit_root")
    return fit_history(sorted(engine_history.glob("census_*.csv")), "truth", root=root)


def test_the_fit_recovers_the_engine_s_own_assumptions(engine_history, fitted):
    truth, left_out = truths(engine_history, fitted)
    table, counted, inside = [], 0, 0
    for e in fitted.estimates:
        key = (e.table, e.name, e.key)
        if e.method == "default" or e.method.startswith("reference band"):
            status = "not estimated"
        elif e.name in left_out:
            status = left_out[e.name]
        else:
            assert key in truth, f"no truth for {key}: every estimate must be compared"
            hit = e.low <= truth[key] <= e.high
            status = "inside" if hit else "OUTSIDE"
            if e.events >= MIN_EVENTS:
                counted += 1
                inside += hit
            else:
                status += " (under 200 events: not counted)"
        shown = f"{truth[key]:.6g}" if key in truth else "-"
        table.append(f"{e.table:28} {e.name:26} {e.key:14} truth {shown:>10}  estimate {e.estimate:.6g} "
                     f"[{e.low:.6g}, {e.high:.6g}] events {e.events:.0f}  {status}")
    report = "\n".join(table)
    (engine_history / "self_consistency.txt").write_text(report + "\n")
    coverage = inside / counted
    assert counted >= 40, f"only {counted} estimates with {MIN_EVENTS}+ events:\n{report}"
    assert coverage >= REQUIRED_COVERAGE, (f"{inside} of {counted} estimates ({coverage:.0%}) hold the truth in their "
                                           f"90% interval, below {REQUIRED_COVERAGE:.0%}:\n{report}")


def test_a_skip_level_transition_of_the_engine_is_recovered(fitted):
    transitions = {e.key: e for e in fitted.estimates if e.table == "promotion_transitions.csv"}
    skip = transitions["1->3"]
    assert skip.events >= MIN_EVENTS and skip.low <= 0.05 <= skip.high, skip


def test_the_match_response_of_the_engine_is_recovered(engine_history, fitted):
    """The history's share of new voluntary enrollees at the baseline's 5% (truth: s + (1 - s) x w(5%) by band),
    over all ages: the fitted events over the enrollees hold the enrollee-weighted truth in their 99% exact
    interval; the mix of the other rates puts nothing at 5%; move_up_share is not identifiable and kept."""
    truth, _ = truths(engine_history, fitted)
    shares = [e for e in fitted.estimates if e.name == "enrollee_match_share"]
    assert len(shares) == 5 and all(e.method != "default" for e in shares)
    enrollees, at_rate = sum(e.exposure for e in shares), sum(e.events for e in shares)
    assert enrollees >= 400, enrollees
    expected = sum(truth[(e.table, e.name, e.key)] * e.exposure for e in shares) / enrollees
    low, high = proportion_confint(int(at_rate), int(enrollees), alpha=0.01, method="beta")
    assert low <= expected <= high, (at_rate, enrollees, expected)
    weights = {e.key: e.estimate for e in fitted.estimates if e.table == "voluntary_deferral_rates.csv"}
    assert weights["rate 0.05"] == 0 and abs(sum(weights.values()) - 1) < 1e-9
    assert all(e.method == "default" for e in fitted.estimates if e.name == "move_up_share")
