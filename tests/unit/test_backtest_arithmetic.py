"""The backtest's arithmetic without dbt: the split and its refusals, the band of the counts the engine sets
exactly (checked against a plain enumeration of the binomial sums), the inside/outside verdict, and the shown
numbers agreeing with that verdict."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import pytest

from planalign.errors import PlanAlignError
from planalign.fit import backtest as bt
from planalign.fit.backtest import Metric, binomial_band, check_folder, check_request, replication_band, split_history
from planalign.fit.history import Snapshot
from planalign.fit.scorecard import row_digits, shown


def snapshots(folder, years):
    paths = []
    for year in years:
        path = folder / f"census_{year}.csv"
        path.write_text("employee_id\n")
        paths.append(path)
    return paths


@pytest.mark.parametrize("count, holdout, message", [
    (2, 1, "HOLDOUT=1 of 2 snapshots leaves 1 to fit on; a fit needs at least 2"),
    (3, 3, "HOLDOUT=3 holds out all 3 snapshot(s)"),
    (3, 4, "HOLDOUT=4 holds out all 3 snapshot(s)"),
    (4, 0, "HOLDOUT must be at least 1, got 0"),
    (0, 1, "HOLDOUT=1 holds out all 0 snapshot(s)"),
])
def test_a_split_without_two_training_snapshots_or_a_held_out_one_is_refused(tmp_path, count, holdout, message):
    with pytest.raises(PlanAlignError) as refused:
        split_history(snapshots(tmp_path, range(2023, 2023 + count)), holdout)
    assert message in refused.value.message and refused.value.exit_code == 2
    assert "\n" not in refused.value.message


def test_the_split_holds_out_the_last_years_whatever_the_order_given(tmp_path):
    paths = snapshots(tmp_path, [2026, 2023, 2025, 2024])
    training, held_out = split_history(paths, 1)
    assert [s.year for s in training] == [2023, 2024, 2025] and [s.year for s in held_out] == [2026]
    training, held_out = split_history(paths, 2)
    assert [s.year for s in training] == [2023, 2024] and [s.year for s in held_out] == [2025, 2026]


def test_the_fits_own_refusals_apply(tmp_path):
    paths = snapshots(tmp_path, [2023, 2024, 2026])
    with pytest.raises(PlanAlignError, match="not consecutive"):
        split_history(paths, 1)
    with pytest.raises(PlanAlignError, match="does not exist"):
        split_history([*paths[:2], tmp_path / "census_2025.csv"], 1)


@pytest.mark.parametrize("replications, growth, message", [
    (1, "observed", "REPLICATIONS must be at least 2, got 1"),
    (0, "observed", "REPLICATIONS must be at least 2, got 0"),
    (20, "planned", "GROWTH must be observed or fitted, got 'planned'"),
])
def test_a_request_without_a_band_or_with_an_unknown_growth_is_refused(replications, growth, message):
    with pytest.raises(PlanAlignError, match=message):
        check_request(replications, growth)


def test_a_folder_that_is_not_a_backtests_is_never_replaced(tmp_path):
    (tmp_path / "mine.txt").write_text("keep")
    with pytest.raises(PlanAlignError, match="holds files that are not a backtest's"):
        check_folder(tmp_path)
    check_folder(tmp_path / "new")  # a new folder is fine
    (tmp_path / ".planalign-backtest").write_text("")
    check_folder(tmp_path)  # an earlier backtest's folder may be replaced


def exact_pmf(value: int, parts: list[tuple[int, int]]) -> dict[int, float]:
    """value - sum(counts) + the sum of Binomial(base, count / base), every outcome enumerated with math.comb:
    an independent recomputation of what binomial_band cuts and convolves with scipy."""
    pmf = {value - sum(count for _, count in parts): 1.0}
    for base, count in parts:
        p = count / base
        grown: dict[int, float] = {}
        for total, chance in pmf.items():
            for k in range(base + 1):
                grown[total + k] = grown.get(total + k, 0.0) + chance * math.comb(base, k) * p ** k * (1 - p) ** (
                    base - k)
        pmf = grown
    return pmf


def percentiles(pmf: dict[int, float]) -> tuple[float, float]:
    cumulative, found = 0.0, {}
    for value in sorted(pmf):
        cumulative += pmf[value]
        for q in (0.1, 0.9):
            if q not in found and cumulative >= q - 1e-9:
                found[q] = float(value)
    return found[0.1], found[0.9]


@pytest.mark.parametrize("value, parts", [
    (12, [(80, 12)]),  # experienced terminations: 12 of 80
    (30, [(80, 12), (25, 7)]),  # hires: 11 + the scatter of 12/80 leavers and 7/25 new-hire leavers
    (0, [(50, 0)]),  # a rate of 0 has no scatter
])
def test_the_band_of_an_exact_count_is_its_binomial_scatter(value, parts):
    metric = Metric(2026, "m", "", "count", 0.0, [float(value)] * 3)
    binomial_band(metric, [parts] * 3)
    assert (metric.low, metric.high) == percentiles(exact_pmf(value, parts))


def test_the_band_of_differing_replications_is_their_mixture():
    metric = Metric(2026, "m", "", "count", 0.0, [10.0, 30.0])
    binomial_band(metric, [[(100, 10)], [(100, 30)]])
    low, high = exact_pmf(10, [(100, 10)]), exact_pmf(30, [(100, 30)])
    mixture = {k: (low.get(k, 0.0) + high.get(k, 0.0)) / 2 for k in set(low) | set(high)}
    assert (metric.low, metric.high) == percentiles(mixture)
    assert metric.low < 10 < 30 < metric.high


def test_inside_is_decided_at_the_shown_precision_of_the_unit():
    metric = Metric(2026, "headcount", "", "count", 100.0, [100.0, 100.0], low=100.0000001, high=100.0000001)
    assert metric.inside
    rate = Metric(2026, "pay growth", "", "rate", 0.0500001, [0.05], low=0.04, high=0.05)
    assert not rate.inside


@pytest.mark.parametrize("unit, value, kind, text", [
    ("count", 3228.0, "actual", "3,228"), ("count", 102.85, "value", "102.8"), ("count", -3.15, "error", "−3.1"),
    ("count", 66.0, "value", "66"), ("count", 66.0, "band", "66.0"),
    ("share", 0.30112, "value", "30.11%"), ("share", -0.0071, "error", "−0.71 pt"),
    ("money", 96174.696, "actual", "$96,175"), ("money", -431.4, "error", "−$431"),
    ("rate", 0.0535, "value", "5.35%"), ("rate", math.nan, "value", "–"), ("count", 0.0, "error", "±0"),
])
def test_numbers_are_shown_as_a_reader_expects(unit, value, kind, text):
    assert shown(unit, value, kind) == text


def test_a_row_shows_enough_decimals_for_its_verdict_to_be_visible():
    # 7.6400% is above a band that ends at 7.6398%: at 2 decimals both read 7.64%
    metric = Metric(2026, "deferral", "", "rate", 0.076400, [0.0762], low=0.0760, high=0.076398)
    assert not metric.inside
    extra = row_digits(metric)
    assert extra >= 1 and shown("rate", metric.actual, "actual", extra) != shown("rate", metric.high, "value", extra)
    assert row_digits(Metric(2026, "mix", "", "share", 0.3, [0.3], low=0.29, high=0.31)) == 0


# ---- the definitions, on a hand-made pair of states (no dbt) --------------------------------------------

START_ROWS = [  # employee_id, hire_date, termination_date, pay, level, deferral_rate: the file of Jan 1 2026
    ("E1", "2015-01-01", None, 100.0, 1, 0.05),
    ("E2", "2016-01-01", None, 150.0, 1, 0.0),
    ("E3", "2010-01-01", None, 200.0, 2, 0.10),
    ("X1", "2012-01-01", "2025-07-01", 90.0, 1, None),  # left in 2025: in the file, not active on Jan 1 2026
]
END_ROWS = [  # the file of Jan 1 2027
    ("E1", "2015-01-01", None, 110.0, 2, 0.05),  # promoted from level 1
    ("E2", "2016-01-01", "2026-06-01", 150.0, 1, 0.0),  # an experienced leaver (dated)
    ("E3", "2010-01-01", None, 210.0, 2, 0.0),  # stopped deferring
    ("H1", "2026-03-01", None, 50.0, 1, 0.03),  # a hire who stayed
    ("H2", "2026-05-01", "2026-09-01", 55.0, 1, None),  # a hire who left within the year (dated)
]


def scored_states(convention: str) -> dict[tuple[str, str], Metric]:
    con = duckdb.connect()
    con.execute(f"create table states ({bt.STATE_COLUMNS})")
    for source, replications in (("actual", [0]), ("predicted", [1, 2])):
        for replication in replications:
            for year, rows in ((2026, START_ROWS), (2027, END_ROWS)):
                for row in rows:
                    if convention == "absent" and year == 2027 and row[2]:
                        continue
                    con.execute("insert into states values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                [source, replication, year, *row])
    result = bt.Backtest("unit", Path("."), [Snapshot(Path("census_2025.csv"), 2025, ""),
                                             Snapshot(Path("census_2026.csv"), 2026, "")],
                         [Snapshot(Path("census_2027.csv"), 2027, "")], 2, "observed", {}, convention, 42)
    metrics = bt.score(con, result, [1, 2, 3, 4, 5], has_deferrals=True)
    return {(m.metric, m.key): m for m in metrics}


def test_the_definitions_under_the_dated_convention():
    metrics = scored_states("dated")
    actual = {key: m.actual for key, m in metrics.items()}
    assert actual[("headcount", "")] == 3 and actual[("experienced terminations", "")] == 1
    assert actual[("hires", "")] == 2 and actual[("new-hire terminations", "")] == 1
    # the identity: 3 active on Jan 1 2026 - 1 leaver + 2 hires - 1 hire who left = 3 on Jan 1 2027
    assert actual[("headcount", "")] == 3 - 1 + 2 - 1
    assert actual[("promotions", "from level 1")] == 1 and actual[("promotions", "from level 2")] == 0
    assert actual[("level mix", "level 1")] == pytest.approx(1 / 3)
    assert actual[("level mix", "level 2")] == pytest.approx(2 / 3)
    assert actual[("average pay", "")] == pytest.approx((110 + 210 + 50) / 3)
    assert actual[("pay growth", "")] == pytest.approx((110 + 210 + 50) / 3 / ((100 + 150 + 200) / 3) - 1)
    assert actual[("participation", "")] == pytest.approx(2 / 3)
    assert actual[("average deferral rate of participants", "")] == pytest.approx(0.04)
    # both sides go through the same definitions: identical states give identical values and a point band
    for metric in metrics.values():
        assert metric.predicted == [metric.actual, metric.actual] and metric.inside, metric
    assert not metrics[("headcount", "")].scored


def test_the_definitions_under_the_absent_convention():
    metrics = scored_states("absent")
    assert ("new-hire terminations", "") not in metrics and ("hires", "") not in metrics
    assert metrics[("hires still employed on Jan 1", "")].actual == 1
    assert metrics[("experienced terminations", "")].actual == 1  # E2 is absent: a leaver all the same
    assert metrics[("headcount", "")].actual == 3


@pytest.mark.parametrize("replications", [10, 20])
def test_the_band_of_the_replications_holds_one_more_draw_eight_times_in_ten(replications):
    """A model that is exactly right: the actual year is one more draw like the replications. Over 20,000 trials
    (fixed seed) the band holds it 80% of the time, as a P10-P90 band says; the sample's own percentiles (numpy's
    default) held it 66% (10 replications) and 73% (20): a right model then looked wrong one time in three."""
    rng = np.random.default_rng(20261207)
    draws = rng.normal(size=(20000, replications + 1))
    inside = [low <= row[-1] <= high for row in draws for low, high in [replication_band(list(row[:-1]))]]
    assert 0.785 <= float(np.mean(inside)) <= 0.815
    sample = np.percentile(draws[:, :-1], [10, 90], axis=1)
    assert float(np.mean((sample[0] <= draws[:, -1]) & (draws[:, -1] <= sample[1]))) < 0.75


def test_the_band_of_two_replications_is_their_range():
    assert replication_band([5.0, 3.0]) == (3.0, 5.0)
