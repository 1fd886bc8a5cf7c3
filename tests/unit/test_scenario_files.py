"""Scenario files: extends chains, deep merge, inline plan-design variants, and the parity of the scenario
schema with what dbt reads. No simulation runs here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from planalign.engine.config import NEUTRAL_SCALES, Scenario, resolve
from planalign.engine.plan_designs import PlanDesign, load_plan_design
from planalign.errors import PlanAlignError


def write(path: Path, content: dict) -> Path:
    path.write_text(yaml.safe_dump(content))
    return path


def test_extends_chain_merges_deeply_and_the_child_wins(tmp_path):
    write(tmp_path / "grand.yml", {"extends": "baseline", "scenario_id": "grand", "random_seed": 7,
                                   "workforce": {"target_growth_rate": 0.05, "promotion_increase": 0.2}})
    write(tmp_path / "parent.yml", {"extends": "grand.yml", "scenario_id": "parent",
                                    "workforce": {"target_growth_rate": 0.06}})
    child = write(tmp_path / "child.yml", {"extends": "parent.yml", "plan": {"investment_return_rate": 0.04}})
    effective = resolve(child)
    assert [p.name for p in effective.chain] == ["child.yml", "parent.yml", "grand.yml", "baseline.yml"]
    assert effective.scenario_id == "child"  # never inherited: the file's own id, else its name
    workforce = effective.scenario.workforce
    assert workforce.target_growth_rate == 0.06  # parent over grandparent
    assert workforce.promotion_increase == 0.2  # a nested key overrides only itself
    assert workforce.total_termination_rate == 0.12  # from baseline
    assert effective.scenario.plan.investment_return_rate == 0.04
    assert effective.scenario.plan.limit_indexing_rate == 0.025
    assert effective.scenario.random_seed == 7
    assert effective.plan_design_id == "baseline"


def test_an_inline_variant_is_resolved_from_its_parent_and_validated_like_a_seed(tmp_path):
    variant = write(tmp_path / "v.yml", {"extends": "baseline", "plan_design": {
        "extends": "baseline", "id": "sh_match_5pct", "auto_enroll_rate": 0.05, "vesting_schedule_id": "immediate",
        "match_tiers": [{"deferral_from": 0, "deferral_to": 0.03, "match_rate": 1},
                        {"deferral_from": 0.03, "deferral_to": 0.05, "match_rate": 0.5}]}})
    design = resolve(variant).design
    seeded = load_plan_design("baseline")
    assert design.plan_design_id == "sh_match_5pct" and design.match_formula_id == "sh_match_5pct"
    assert [t.tier_number for t in design.match_tiers] == [1, 2]
    assert str(design.auto_enroll_rate) == "0.05" and design.vesting_schedule_id == "immediate"
    assert [(v.service_years, v.vested_share) for v in design.vesting] == [(0, 1)]
    assert design.escalation_cap == seeded.escalation_cap  # everything else from the parent design
    assert design.enrollment_behavior == seeded.enrollment_behavior

    def refused(spec: dict) -> str:
        path = write(tmp_path / "bad.yml", {"extends": "baseline", "plan_design": spec})
        with pytest.raises(PlanAlignError) as caught:
            resolve(path)
        return caught.value.message

    base = {"extends": "baseline", "id": "bad"}
    assert "plan_design.match_tiers[1]: deferral_from" in refused(
        {**base, "match_tiers": [{"deferral_from": 0, "deferral_to": 0.03, "match_rate": 1},
                                 {"deferral_from": 0.06, "deferral_to": 0.04, "match_rate": 1}]})
    assert "plan_design.auto_enroll_rate = 1.5" in refused({**base, "auto_enroll_rate": 1.5})
    assert "unknown key 'match_tierz' in plan_design (did you mean 'match_tiers'?)" in refused(
        {**base, "match_tierz": []})
    assert "Extra inputs" not in refused({**base, "match_tierz": []})
    assert "vesting must start at service_years 0 and reach vested_share 1" in refused(
        {**base, "vesting": [{"service_years": 0, "vested_share": 0.5}]})
    assert "already a design in seeds/plan_designs.csv" in refused({"extends": "baseline", "id": "qaca"})
    assert "needs its own id" in refused({"extends": "baseline", "auto_enroll_rate": 0.05})
    # a seeded design with a broken rule is refused by the same model
    row = load_plan_design("baseline").model_dump()
    row["escalation_rate"] = 0
    with pytest.raises(ValueError, match="is_auto_escalation needs escalation_rate"):
        PlanDesign.model_validate(row)


def test_the_example_scenarios_are_a_few_lines_and_valid():
    for name in ("high_growth", "qaca_switch", "enhanced_match_5pct"):
        path = ROOT / "scenarios" / f"{name}.yml"
        settings = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
        assert len(settings) <= 12, name
        effective = resolve(path)
        assert effective.chain[-1].name == "baseline.yml"
    assert resolve(ROOT / "scenarios" / "qaca_switch.yml").plan_design_id == "qaca"


# Settings that are not dbt vars, and why (everything else must be read by a model, macro or test).
NOT_DBT_VARS = {
    "parameter_uncertainty": "when true, the drawn assumptions' ranges travel as the var uncertain_settings",
    "uncertainty_ranges": "a scenario's own ranges: they travel inside the var uncertain_settings",
    "end_year": "the CLI's year loop: each year is one dbt build",
    "description": "documentation only",
    "plan_design": "travels as the var plan_design (resolved) and plan_design_id",
    "census_plan_design": "travels as the vars census_plan_design_id and census_match_maximizing_rate (resolved)",
    "replications": "travels as the var replications (the list of replication ids)",
    "census_encoding": "the CLI decodes the census and hands dbt UTF-8 (in the config hash via run_config)",
    "census_sheet": "the CLI reads the sheet and hands dbt a Parquet copy; the sheet read travels as the var "
                    "census_sheet of an .xlsx census only (provenance), and is in the config hash via run_config",
}


# Columns of a plan design no SQL needs to read, and why.
DESIGN_FIELDS_NOT_READ = {
    "description": "documentation only (stored in dim_plan_designs)",
    "enrollment_profile_id": "names the behaviour rows, which travel inline (enrollment_behavior)",
    "match_formula_id": "names the match tiers, which travel inline (match_tiers)",
    "core_formula_id": "names the core tiers, which travel inline (core_tiers)",
    "vesting_schedule_id": "names the vesting steps, which travel inline (vesting)",
}


def _sql_text() -> str:
    files = [*ROOT.glob("models/**/*.sql"), *ROOT.glob("macros/**/*.sql"), *ROOT.glob("tests/critical/*.sql")]
    return "\n".join(path.read_text() for path in files)


def test_every_scenario_setting_is_read_by_some_model_or_hook():
    """Parity: no setting of the scenario schema is silently ignored."""
    sql = _sql_text()
    # a neutral scale (1) is left out of the vars (config.NEUTRAL_SCALES): set them to something else here
    neutral = resolve(ROOT / "scenarios" / "baseline.yml").dbt_vars()
    assert not set(NEUTRAL_SCALES) & set(neutral), "a neutral scale reached the vars: the config hash would change"
    # so is an unset census_new_hires_since (the default run keeps its vars, parse and results)
    assert "census_new_hires_since" not in neutral
    within = {"pay_band_year": 2024}  # a value within each range
    changed = {name: within.get(name, 0.05 if name.endswith("_shift") else 1.5) for name in NEUTRAL_SCALES}
    group = {name: "plan" if name in Scenario.model_fields["plan"].annotation.model_fields else "workforce"
             for name in NEUTRAL_SCALES}
    effective = resolve(ROOT / "scenarios" / "baseline.yml",
                        sets=[f"{group[name]}.{name}={value}" for name, value in changed.items()]
                        + ["census_new_hires_since=2024-01-01"])
    variables = effective.dbt_vars()
    assert {name: variables[name] for name in NEUTRAL_SCALES} == changed
    settings = [name for name in Scenario.model_fields if name not in {"workforce", "plan"}]
    settings += list(Scenario.model_fields["workforce"].annotation.model_fields)
    settings += list(Scenario.model_fields["plan"].annotation.model_fields)
    for name in settings:
        if name in NOT_DBT_VARS:
            continue
        assert name in variables, f"setting {name} is not passed to dbt"
    for name in variables:
        assert re.search(rf"var\(\s*['\"]{name}['\"]", sql), f"dbt var {name} is read by no model or macro"
    for name in PlanDesign.model_fields:
        if name in DESIGN_FIELDS_NOT_READ:
            continue
        reads = len(re.findall(rf"\b{name}\b", sql))
        assert reads >= 2, f"plan design field {name} is read by no model beyond its selection"
