"""Deferrals that respond to the match, checked before anything runs: the match-maximizing rate of a design worked
by hand (the rule of docs/rules.md, the same cases as the dbt unit tests of int_match_maximizing_rate_derived),
the census plan and its rate as dbt vars (in the configuration hash), the match_response table refused in one line
naming the file, the line and the rule, and the fit's history plan refused when it is not a seeded design."""

from __future__ import annotations

import csv
import subprocess
import sys
from decimal import Decimal

import pytest
import yaml

from conftest import ROOT
from planalign.engine.config import resolve
from planalign.engine.defaults import project_vars
from planalign.engine.plan_designs import load_plan_design, match_maximizing_rate
from planalign.errors import PlanAlignError
from planalign.fit.run import history_match_rate

HEADER = "min_age,max_age,enrollee_match_share,move_up_share\n"


def _refused(action) -> str:
    with pytest.raises(PlanAlignError) as caught:
        action()
    assert "Traceback" not in str(caught.value)
    return str(caught.value)


def _scenario(tmp_path, **content) -> object:
    path = tmp_path / "study.yml"
    path.write_text(yaml.safe_dump({"extends": str(ROOT / "scenarios" / "baseline.yml"), **content}))
    return path


def _design(tiers: list[tuple], cap: float | None = None, formula: str = "custom"):
    base = load_plan_design("baseline").model_dump()
    base.update(match_formula_id=formula, match_cap_rate=None if cap is None else Decimal(str(cap)),
                match_tiers=[{"min_service_years": low, "max_service_years": high, "tier_number": number,
                              "deferral_from": Decimal(str(start)), "deferral_to": Decimal(str(to)),
                              "match_rate": Decimal(str(rate))}
                             for number, (low, high, start, to, rate) in _numbered(tiers)])
    return type(load_plan_design("baseline")).model_validate(base)


def _numbered(tiers: list[tuple]) -> list[tuple[int, tuple]]:
    """Each tier with its number within its service band (by deferral_from), in the order given."""
    return [(sorted(t[2] for t in tiers if t[:2] == tier[:2]).index(tier[2]) + 1, tier) for tier in tiers]


@pytest.mark.parametrize(("tiers", "cap", "expected"), [
    ([(0, 999, 0.0, 0.04, 1.0)], None, "0.04"),                                  # 100% of 4%
    ([(0, 999, 0.03, 0.05, 0.5), (0, 999, 0.0, 0.03, 1.0)], None, "0.05"),       # 100% of 3% + 50% of 2%, unordered
    ([(0, 999, 0.0, 0.01, 1.0), (0, 999, 0.01, 0.06, 0.5)], None, "0.06"),       # QACA
    ([(0, 999, 0.0, 0.06, 1.0)], 0.03, "0.03"),                                  # capped at 3% of pay
    ([(0, 5, 0.0, 0.01, 1.0), (0, 5, 0.01, 0.06, 0.5), (0, 5, 0.06, 0.08, 0.25),  # capped inside the second tier
      (0, 5, 0.08, 0.1, 0.0), (5, 999, 0.0, 0.04, 1.0)], 0.02, "0.03"),           # (not the third); the larger band
])
def test_the_match_maximizing_rate_worked_by_hand(tiers, cap, expected):
    assert match_maximizing_rate(_design(tiers, cap)) == Decimal(expected)


def test_the_seeded_designs_rates_and_a_design_without_match():
    rates = {design: match_maximizing_rate(load_plan_design(design))
             for design in ("baseline", "enhanced_match", "qaca", "flat_core")}
    assert rates == {"baseline": Decimal("0.05"), "enhanced_match": Decimal("0.04"), "qaca": Decimal("0.06"),
                     "flat_core": None}


def test_the_default_census_plan_is_the_baseline_s_and_dbt_by_hand_has_its_rate():
    passed = resolve(ROOT / "scenarios" / "baseline.yml").dbt_vars()
    assert passed["census_plan_design_id"] == project_vars()["census_plan_design_id"] == "baseline"
    assert passed["census_match_maximizing_rate"] == project_vars()["census_match_maximizing_rate"] == 0.05


def test_the_census_plan_reaches_dbt_and_the_configuration_hash(tmp_path):
    default = resolve(_scenario(tmp_path))
    qaca = resolve(_scenario(tmp_path, census_plan_design="qaca"))
    assert qaca.dbt_vars()["census_match_maximizing_rate"] == 0.06
    assert qaca.run_config() != default.run_config()
    no_match = resolve(_scenario(tmp_path, census_plan_design="flat_core")).dbt_vars()
    assert no_match["census_plan_design_id"] == "flat_core" and no_match["census_match_maximizing_rate"] is None
    variant = resolve(_scenario(tmp_path, census_plan_design={
        "extends": "baseline", "id": "acme_today",
        "match_tiers": [{"deferral_from": 0.0, "deferral_to": 0.04, "match_rate": 1.0}]})).dbt_vars()
    assert (variant["census_plan_design_id"], variant["census_match_maximizing_rate"]) == ("acme_today", 0.04)


def test_an_unknown_census_plan_is_refused_naming_the_key(tmp_path):
    message = _refused(lambda: resolve(_scenario(tmp_path, census_plan_design="nosuch")))
    assert "census_plan_design: plan design 'nosuch' is not in seeds/plan_designs.csv" in message
    assert "hint: use one of: baseline" in message


def test_the_shipped_match_response_table_passes_its_rules():
    rows = list(csv.DictReader((ROOT / "seeds" / "match_response.csv").open()))
    assert [float(row["min_age"]) for row in rows] == [0, 25, 35, 45, 55]
    assert all(0 <= float(row[c]) <= 1 for row in rows for c in ("enrollee_match_share", "move_up_share"))


@pytest.mark.parametrize(("text", "expected"), [
    (HEADER + "0,50,0.2,0.1\n40,200,0.3,0.1\n", "match_response.csv line 3: band [40, 200) overlaps"),
    (HEADER + "0,40,0.2,0.1\n50,200,0.3,0.1\n", "match_response.csv line 3: band [50, 200) leaves a gap"),
    (HEADER + "0,200,0.2,1.5\n", "match_response.csv line 2: move_up_share 1.5 is not a rate in [0, 1]"),
    (HEADER + "0,200,20,0.1\n", "match_response.csv line 2: enrollee_match_share 20 is not a rate in [0, 1]"),
    (HEADER + "10,200,0.2,0.1\n", "the first band starts at min_age 10, not 0"),
    (HEADER, "match_response.csv: has no rows"),
    ("min_age,max_age,share\n0,200,0.1\n", "line 1: unknown column share"),
])
def test_a_broken_match_response_table_is_refused_naming_file_line_and_rule(tmp_path, text, expected):
    folder = tmp_path / "acme"
    folder.mkdir()
    (folder / "match_response.csv").write_text(text)
    message = _refused(lambda: resolve(_scenario(tmp_path, assumptions=str(folder))))
    assert expected in message, message


def test_an_inline_match_response_table_reaches_dbt_and_the_configuration_hash(tmp_path):
    rows = [{"min_age": 0, "max_age": 200, "enrollee_match_share": 0.5, "move_up_share": 0.25}]
    effective = resolve(_scenario(tmp_path, assumptions={"tables": {"match_response": rows}}))
    var = effective.dbt_vars()["assumptions"]["match_response"]
    assert var["rows"] == [{"min_age": "0", "max_age": "200", "enrollee_match_share": "0.5", "move_up_share": "0.25"}]
    assert effective.run_config() != resolve(_scenario(tmp_path)).run_config()


def test_the_fit_s_history_plan_is_a_seeded_design():
    assert history_match_rate(None) == ("baseline", 0.05)
    assert history_match_rate("qaca") == ("qaca", 0.06)
    assert history_match_rate("flat_core") == ("flat_core", None)
    message = _refused(lambda: history_match_rate("acme_today"))
    assert "HISTORY_PLAN 'acme_today' is not a plan design of seeds/plan_designs.csv" in message


def test_check_config_says_when_a_scenario_s_design_moves_participants_up():
    files = [ROOT / "scenarios" / f"{name}.yml" for name in ("baseline", "qaca_switch")]
    result = subprocess.run([sys.executable, "-m", "planalign", "check-config", *map(str, files)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = {line.split(" ")[1]: line for line in result.stdout.splitlines() if line.startswith("ok: ")}
    assert "match-maximizing rate 6.00% against 5.00% under the census plan 'baseline'" in lines["qaca_switch.yml"]
    assert "match-maximizing" not in lines["baseline.yml"]
