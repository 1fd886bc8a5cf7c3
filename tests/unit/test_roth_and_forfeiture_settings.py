"""The Roth and forfeiture settings are checked before anything runs: the roth_elections table by the rules of
every assumption table (one line naming the file, the line and the rule), the design columns roth_available and
forfeiture_use by the design's schema, and the Roth catch-up start year by the scenario's. The shipped designs
offer Roth and use forfeitures to reduce employer contributions; the shipped table elects no Roth."""

from __future__ import annotations

import csv

import pytest
import yaml

from conftest import ROOT
from planalign.engine import assumptions
from planalign.engine.config import resolve
from planalign.engine.plan_designs import load_plan_design, plan_design_ids, resolve_plan_design
from planalign.errors import PlanAlignError

HEADER = "min_age,max_age,roth_election_rate,roth_deferral_share\n"


def _refused(action) -> str:
    with pytest.raises(PlanAlignError) as caught:
        action()
    assert "Traceback" not in str(caught.value)
    return str(caught.value)


def _scenario(tmp_path, **content) -> object:
    path = tmp_path / "study.yml"
    path.write_text(yaml.safe_dump({"extends": str(ROOT / "scenarios" / "baseline.yml"), **content}))
    return path


def test_the_shipped_designs_offer_roth_and_reduce_contributions_with_forfeitures():
    for design_id in plan_design_ids():
        design = load_plan_design(design_id)
        assert design.roth_available is True and design.forfeiture_use == "reduce_employer_contributions", design_id


def test_the_shipped_roth_table_elects_nobody():
    rows = list(csv.DictReader((ROOT / "seeds" / "roth_elections.csv").open()))
    assert rows and all(float(row["roth_election_rate"]) == 0 for row in rows)


@pytest.mark.parametrize(("text", "expected"), [
    (HEADER + "0,50,0.2,0.5\n40,200,0.3,1\n", "roth_elections.csv line 3: band [40, 200) overlaps"),
    (HEADER + "0,200,1.2,0.5\n", "roth_elections.csv line 2: roth_election_rate 1.2 is not a rate in [0, 1]"),
    (HEADER + "0,200,0.3,0\n", "roth_elections.csv line 2: roth_election_rate 0.3 with roth_deferral_share 0"),
    (HEADER + "10,200,0.3,0.5\n", "the first band starts at min_age 10, not 0"),
    ("min_age,max_age,roth_rate\n0,200,0.1\n", "line 1: unknown column roth_rate"),
])
def test_a_broken_roth_table_is_refused_naming_file_line_and_rule(tmp_path, text, expected):
    folder = tmp_path / "acme"
    folder.mkdir()
    (folder / "roth_elections.csv").write_text(text)
    message = _refused(lambda: resolve(_scenario(tmp_path, assumptions=str(folder))))
    assert expected in message, message


def test_an_inline_roth_table_reaches_dbt_and_the_configuration_hash(tmp_path):
    rows = [{"min_age": 0, "max_age": 200, "roth_election_rate": 0.4, "roth_deferral_share": 0.5}]
    effective = resolve(_scenario(tmp_path, assumptions={"tables": {"roth_elections": rows}}))
    var = effective.dbt_vars()["assumptions"]["roth_elections"]
    assert var["rows"] == [{"min_age": "0", "max_age": "200", "roth_election_rate": "0.4",
                            "roth_deferral_share": "0.5"}]
    assert effective.run_config() != resolve(_scenario(tmp_path)).run_config()
    assert "roth_elections" in assumptions.TABLES


@pytest.mark.parametrize(("variant", "expected"), [
    ({"forfeiture_use": "burn"}, "plan_design.forfeiture_use"),
    ({"roth_available": "sometimes"}, "plan_design.roth_available"),
])
def test_a_bad_design_setting_is_refused_in_one_line(variant, expected):
    message = _refused(lambda: resolve_plan_design({"extends": "baseline", "id": "odd", **variant}))
    assert expected in message and len(message.split('\n  hint:')[0].splitlines()) == 1, message


def test_a_design_variant_may_change_both_settings():
    design = resolve_plan_design({"extends": "baseline", "id": "no_roth", "roth_available": False,
                                  "forfeiture_use": "reallocate"})
    assert design.roth_available is False and design.forfeiture_use == "reallocate"
    assert design.as_var()["roth_available"] is False


def test_the_catch_up_rule_year_is_a_validated_setting(tmp_path):
    assert resolve(_scenario(tmp_path)).dbt_vars()["roth_catch_up_start_year"] == 2026
    message = _refused(lambda: resolve(_scenario(tmp_path, plan={"roth_catch_up_start_year": 1999})))
    assert "roth_catch_up_start_year" in message, message
