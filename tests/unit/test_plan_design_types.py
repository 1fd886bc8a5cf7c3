"""The plan design passed in the dbt var plan_design has the seeds' column types."""

from __future__ import annotations

import ast
import re

import yaml

from conftest import ROOT


def test_the_var_path_types_are_the_seeds_types():
    """macros/plan/plan_seed_column_types.sql repeats seeds/_seeds.yml: they must agree, column for column."""
    macro = (ROOT / "macros" / "plan" / "plan_seed_column_types.sql").read_text()
    declared = ast.literal_eval(re.search(r"set declared = (\{.*?\n    \}) -%\}", macro, re.DOTALL).group(1))
    seeds = {seed["name"]: seed["config"]["column_types"]
             for seed in yaml.safe_load((ROOT / "seeds" / "_seeds.yml").read_text())["seeds"]}
    for name, types in declared.items():
        assert list(types.items()) == list(seeds[name].items()), name
