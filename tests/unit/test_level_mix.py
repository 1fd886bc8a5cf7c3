"""The arithmetic of `calibrate --solve level_mix` (planalign.engine.level_mix) on flows given by hand: the weights
it writes pass the job_levels rules, one step is the stated formula, and an infeasible level is refused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planalign.engine.level_mix import LevelMixCalibration, MixEvaluation, next_weights, rounded_weights
from planalign.errors import PlanAlignError


@given(st.lists(st.floats(min_value=0, max_value=1, allow_nan=False), min_size=1, max_size=12)
       .filter(lambda values: sum(values) > 1e-3))
def test_rounded_weights_have_6_decimals_and_sum_to_exactly_1(values):
    total = sum(values)
    weights = rounded_weights({level: value / total for level, value in enumerate(values, 1)})
    assert sum(weights.values()) == Decimal(1)
    assert all(-w.as_tuple().exponent <= 6 for w in weights.values())
    assert all(w >= 0 for w in weights.values())
    # each weight moves by at most the rounding step plus the remainder the largest takes
    assert all(abs(float(weights[level]) - value / total) <= 1e-6 * (len(values) + 1)
               for level, value in enumerate(values, 1))


def _calibration() -> LevelMixCalibration:
    return LevelMixCalibration("s", 0.005, 2025, 2027, Path("census.csv"), {1: "A", 2: "B", 3: "C"}, [], {})


def _flows(start, end, hires, kept, terminations=(0, 0, 0), promotions_in=(0, 0, 0)):
    return {level: {"start": start[i], "end": end[i], "hires": hires[i], "hires_kept": kept[i],
                    "terminations": terminations[i], "promotions_in": promotions_in[i]}
            for i, level in enumerate((1, 2, 3))}


def test_one_step_moves_each_weight_by_its_gap_over_its_kept_hires():
    weights = {1: Decimal("0.5"), 2: Decimal("0.3"), 3: Decimal("0.2")}
    # 1000 people at the start and the end; 200 hires: 100/60/40 by level, of which 50/20/30 are still there
    flows = _flows(start=(500, 300, 200), end=(480, 310, 210), hires=(100, 60, 40), kept=(50, 20, 30))
    step = next_weights(_calibration(), MixEvaluation(weights, flows, 1.0))
    # by hand: w + gap / (rho x H), rho = kept / hires of the level (1/2, 1/3, 3/4), H = 200, then / sum
    raw = {1: 0.5 + 20 / (200 / 2), 2: 0.3 - 10 / (200 / 3), 3: 0.2 - 10 / (200 * 3 / 4)}
    total = sum(raw.values())
    assert step == rounded_weights({level: value / total for level, value in raw.items()})
    assert step[1] > weights[1] and step[2] < weights[2] and step[3] < weights[3]


def test_a_level_below_zero_gets_no_hires_then_is_refused_if_it_still_grows():
    weights = {1: Decimal("0.6"), 2: Decimal("0.3"), 3: Decimal("0.1")}
    flows = _flows(start=(500, 300, 200), end=(420, 300, 280), hires=(120, 60, 20), kept=(60, 30, 10))
    step = next_weights(_calibration(), MixEvaluation(weights, flows, 1.0))
    assert step[3] == 0 and sum(step.values()) == 1
    # with no hires into level 3 it still ends at 26% against 20%: refused, naming the level and its flows
    flows = _flows(start=(500, 300, 200), end=(440, 300, 260), hires=(140, 60, 0), kept=(70, 30, 0),
                   terminations=(130, 40, 5), promotions_in=(0, 30, 65))
    with pytest.raises(PlanAlignError, match=r"with no hires at all, level 3 \(C\) still goes from 20\.00% to "
                                             r"26\.00% of the workforce \(65 promotions in against 5 terminations"):
        next_weights(_calibration(), MixEvaluation(step, flows, 1.0))


def test_no_hire_kept_is_refused():
    weights = {1: Decimal("0.5"), 2: Decimal("0.3"), 3: Decimal("0.2")}
    flows = _flows(start=(5, 3, 2), end=(5, 3, 2), hires=(0, 0, 0), kept=(0, 0, 0))
    with pytest.raises(PlanAlignError, match="the new-hire mix moves nothing"):
        next_weights(_calibration(), MixEvaluation(weights, flows, 1.0))
