"""Safe-harbor claims: a design flagged safe harbor is refused, one line per broken rule naming the design, the
rule and its IRC section, unless it gives what the Code requires; the shipped designs tell the truth. The
formulas are checked here against the match computed by hand at many deferral rates, not by the code's own
breakpoint search. No simulation runs here."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from planalign.engine.plan_designs import formula_match, load_plan_design, plan_design_ids, resolve_plan_design
from planalign.errors import PlanAlignError

SHIPPED_FLAGS = {"baseline": "none", "safe_harbor_basic": "basic_match", "simple_match": "none",
                 "enhanced_match": "enhanced_match", "qaca": "qaca", "tenure_graded_core": "none",
                 "flat_core": "nonelective_3"}


def refusal(spec: dict) -> list[str]:
    with pytest.raises(PlanAlignError) as caught:
        resolve_plan_design(spec)
    return caught.value.message.splitlines()


def test_the_shipped_designs_carry_their_flags_and_pass():
    assert {design_id: load_plan_design(design_id).safe_harbor for design_id in plan_design_ids()} == SHIPPED_FLAGS
    baseline, harbor = load_plan_design("baseline"), load_plan_design("safe_harbor_basic")
    # only the label, the flag and the vesting differ: the new design is the baseline vested immediately
    differ = {key for key, value in baseline.model_dump().items() if harbor.model_dump()[key] != value}
    assert differ == {"plan_design_id", "description", "safe_harbor", "vesting_schedule_id", "vesting"}
    assert "not safe harbor" in baseline.description.lower()


def test_the_baseline_claiming_a_safe_harbor_is_refused_for_its_cliff():
    lines = refusal({"extends": "baseline", "id": "claims", "safe_harbor": "basic_match"})
    assert lines == ["plan design 'claims': safe_harbor basic_match: vesting schedule 'cliff_3' is not 100% vested "
                     "at 0 years of service; a safe-harbor contribution vests immediately (IRC §401(k)(12)(E)(i), "
                     "Treas. Reg. §1.401(k)-3(b)(1), (c)(1))"]


def test_every_broken_rule_is_one_line_with_its_section():
    lines = refusal({"extends": "tenure_graded_core", "id": "bad_qaca", "safe_harbor": "qaca"})
    assert len(lines) == 5
    assert all(line.startswith("plan design 'bad_qaca': safe_harbor qaca: ") for line in lines)
    for section in ("§401(k)(13)(D)(i)(I)", "§1.401(k)-3", "§401(k)(13)(D)(iii)(I)", "§401(k)(13)(C)(i)"):
        assert any(section in line for line in lines), section
    assert "at a deferral of 1% of pay (service 0-4 years) the match is 0.5% of pay" in lines[0]


@pytest.mark.parametrize(("spec", "section"), [
    ({"extends": "enhanced_match", "match_tiers": [{"deferral_from": 0, "deferral_to": 0.03, "match_rate": 1}]},
     "IRC §401(k)(12)(B)"),  # 3% at a 5% deferral, below the basic formula's 4%
    ({"extends": "enhanced_match", "match_cap_rate": 0.035}, "IRC §401(k)(12)(B)"),
    ({"extends": "enhanced_match", "match_tiers": [
        {"deferral_from": 0, "deferral_to": 0.03, "match_rate": 1},
        {"deferral_from": 0.03, "deferral_to": 0.05, "match_rate": 1.5}]}, "IRC §401(k)(12)(B)(iii)(I)"),
    ({"extends": "enhanced_match", "match_requires_last_day": True}, "Treas. Reg. §1.401(k)-3"),
    ({"extends": "flat_core", "core_tiers": [{"core_rate": 0.02}]}, "IRC §401(k)(12)(C)"),
    ({"extends": "flat_core", "core_tiers": [{"min_service_years": 1, "core_rate": 0.03}]}, "IRC §401(k)(12)(C)"),
    ({"extends": "flat_core", "vesting_schedule_id": "graded_6"}, "IRC §401(k)(12)(E)(i)"),
    ({"extends": "qaca", "auto_enroll_rate": 0.02}, "IRC §401(k)(13)(C)(iii)"),
    ({"extends": "qaca", "vesting_schedule_id": "cliff_3"}, "IRC §401(k)(13)(D)(iii)(I)"),
    ({"extends": "qaca", "auto_enroll_scope": "new_hires"}, "IRC §401(k)(13)(C)(i)"),
])
def test_one_broken_rule_one_refusal(spec, section):
    lines = refusal({**spec, "id": "variant"})
    assert len(lines) == 1 and section in lines[0], lines


def test_a_variant_that_meets_the_rule_runs_and_none_is_never_checked():
    assert resolve_plan_design({"extends": "qaca", "id": "qaca_core", "match_tiers": [],
                                "core_tiers": [{"core_rate": 0.03}], "core_formula_id": "x"}).safe_harbor == "qaca"
    assert resolve_plan_design({"extends": "simple_match", "id": "tested"}).safe_harbor == "none"
    with pytest.raises(PlanAlignError):
        resolve_plan_design({"extends": "baseline", "id": "bad_flag", "safe_harbor": "maybe"})


BASIC = [(Decimal("0"), Decimal("0.03"), Decimal("1")), (Decimal("0.03"), Decimal("0.05"), Decimal("0.5"))]
rates = st.decimals(min_value=0, max_value=Decimal("0.2"), places=3)
match_rates = st.decimals(min_value=0, max_value=2, places=2)


@settings(max_examples=60, deadline=None)
@given(end=rates, split=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("0.1"), places=3),
       rate_one=match_rates, rate_two=match_rates)
def test_the_match_check_agrees_with_a_fine_grid(end, split, rate_one, rate_two):
    """A two-tier formula is accepted as basic_match exactly when, on a grid of deferral rates 0-20% in steps of
    0.1 point (the tiers' edges fall on it), it pays at least the basic formula and its rate never rises."""
    tiers = [{"deferral_from": 0, "deferral_to": split, "match_rate": rate_one}]
    if end > split:
        tiers.append({"deferral_from": split, "deferral_to": end, "match_rate": rate_two})
    spec = {"extends": "enhanced_match", "id": "grid", "match_tiers": tiers, "safe_harbor": "basic_match"}
    as_tuples = [(Decimal(str(t["deferral_from"])), Decimal(str(t["deferral_to"])), Decimal(str(t["match_rate"])))
                 for t in tiers]
    grid = [Decimal(n) / 1000 for n in range(0, 201)]
    enough = all(sum((r * max(Decimal(0), min(d, b) - a) for a, b, r in as_tuples), Decimal(0))
                 >= sum((r * max(Decimal(0), min(d, b) - a) for a, b, r in BASIC), Decimal(0)) for d in grid)
    not_rising = len(as_tuples) < 2 or as_tuples[1][2] <= as_tuples[0][2]
    try:
        resolve_plan_design(spec)
        accepted = True
    except PlanAlignError:
        accepted = False
    assert accepted == (enough and not_rising)
    assert formula_match(BASIC, Decimal("0.05")) == Decimal("0.04")


def test_check_config_refuses_a_false_claim_in_one_line_per_rule(tmp_path):
    scenario = tmp_path / "false_claim.yml"
    scenario.write_text(yaml.safe_dump({"extends": "baseline", "scenario_id": "false_claim", "plan_design": {
        "extends": "baseline", "id": "claims_harbor", "safe_harbor": "basic_match", "match_requires_last_day": True}}))
    result = subprocess.run([sys.executable, "-m", "planalign", "check-config", str(scenario)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 2
    refusals = [line for line in result.stderr.splitlines() if "safe_harbor basic_match" in line]
    assert len(refusals) == 2, result.stderr
    assert any("§1.401(k)-3" in line for line in refusals) and any("§401(k)(12)(E)(i)" in line for line in refusals)
    assert "Traceback" not in result.stderr
