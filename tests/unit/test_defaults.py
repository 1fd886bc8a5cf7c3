"""The simulation defaults are defined once, in dbt_project.yml's vars: the scenario schema reads them, the
baseline scenario restates none of them, and no model or macro carries a second default for a var."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from conftest import ROOT
from planalign.engine.config import resolve
from planalign.engine.defaults import project_vars

# What the baseline scenario chooses; anything else it wrote would restate a default.
BASELINE_CHOICES = {"scenario_id", "description", "end_year"}
# Settings of the schema whose default is a dbt var of another name.
VAR_OF_SETTING = {"plan_design": "plan_design_id", "census_plan_design": "census_plan_design_id"}
# dbt vars the CLI passes in another form than dbt_project.yml writes them.
PASSED_AS = {
    "census_path": "the CLI passes the path resolved against the project root",
    "plan_design": "null in dbt_project.yml (dbt reads the seed row plan_design_id); the CLI passes the resolved row",
    "assumptions": "null in dbt_project.yml (every table is its seed); the CLI passes each table's source and "
                   "sha256, and the rows of the scenario's own tables",
}


def _leaves(mapping: dict, prefix: str = "") -> list[str]:
    paths = []
    for key, value in mapping.items():
        path = f"{prefix}{key}"
        paths += _leaves(value, f"{path}.") if isinstance(value, dict) else [path]
    return paths


def test_the_baseline_scenario_is_what_dbt_simulates_by_hand():
    """With no choice but its id, years and text, the CLI passes dbt exactly dbt_project.yml's vars."""
    effective = resolve(ROOT / "scenarios" / "baseline.yml")
    passed = effective.dbt_vars()
    project = project_vars()
    compared = [name for name in passed if name in project and name not in PASSED_AS]
    assert len(compared) >= 15, compared
    for name in compared:
        assert passed[name] == project[name], (
            f"dbt var {name}: the CLI's default {passed[name]!r} differs from dbt_project.yml's {project[name]!r}")
    assert passed["census_path"] == str((ROOT / project["census_path"]).resolve())
    assert passed["plan_design_id"] == project["plan_design_id"] and project["plan_design"] is None


def test_the_baseline_file_restates_no_default():
    written = yaml.safe_load((ROOT / "scenarios" / "baseline.yml").read_text())
    restated = [path for path in _leaves(written) if path.split(".")[0] not in BASELINE_CHOICES]
    assert not restated, (f"scenarios/baseline.yml restates {', '.join(restated)}: the defaults live in "
                          "dbt_project.yml's vars; write there what the default should be")


def _schema_defaults(path: Path) -> dict[str, str]:
    """Per setting of the pydantic models in the file: the source text of its default."""
    defaults = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.value is not None:
                    value = item.value
                    if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "Field":
                        value = value.args[0] if value.args else None
                    if value is not None:
                        defaults[item.target.id] = ast.unparse(value)
    return defaults


def test_the_schema_writes_no_default_of_a_dbt_var():
    """A setting that is a dbt var takes its default from the var, never from a literal in Python."""
    project = project_vars()
    checked = 0
    for path in (ROOT / "scripts" / "engine" / "config.py", ROOT / "scripts" / "engine" / "census_policy.py"):
        for setting, source in _schema_defaults(path).items():
            name = VAR_OF_SETTING.get(setting, setting)
            if name in project or setting == "replications":
                checked += 1
                # a sub-model (CensusBounds()) is built from its own fields' defaults, checked here too
                assert re.match(r"(project_default|default_replications|_bound)\(|[A-Z]\w*\(\)$", source), (
                    f"{path.name}: the default of {setting} is written as {source}; read it from dbt_project.yml "
                    f"(project_default({name!r}))")
    assert checked >= 15


def test_no_model_or_macro_gives_a_var_a_second_default():
    project = project_vars()
    files = [*ROOT.glob("models/**/*.sql"), *ROOT.glob("macros/**/*.sql"), *ROOT.glob("tests/critical/*.sql"),
             *ROOT.glob("analyses/*.sql")]
    for path in files:
        for name in re.findall(r"\bvar\(\s*['\"](\w+)['\"]\s*,", path.read_text()):
            assert name not in project, (f"{path.relative_to(ROOT)}: var('{name}', ...) restates the default "
                                         f"dbt_project.yml gives {name}; write var('{name}')")


def test_a_set_field_of_the_default_plan_design_makes_a_variant_of_it(tmp_path):
    """A scenario that does not choose its design still gets a variant of the default one from --set."""
    scenario = tmp_path / "no_design.yml"
    scenario.write_text("scenario_id: no_design\nend_year: 2026\n")
    effective = resolve(scenario, sets=["plan_design.id=ae5", "plan_design.auto_enroll_rate=0.05"])
    assert effective.plan_design_id == "ae5" and str(effective.design.auto_enroll_rate) == "0.05"
    default = resolve(scenario).design
    assert effective.design.escalation_cap == default.escalation_cap
    assert default.plan_design_id == project_vars()["plan_design_id"]
