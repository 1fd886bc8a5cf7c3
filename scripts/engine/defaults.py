"""The simulation defaults, defined once: the vars of dbt_project.yml.

dbt run by hand (`make unit`, `make test-critical`, a `dbt build`) reads them as they are. The scenario schema
(engine/config.py, engine/census_policy.py) takes every default of a setting that is a dbt var from here, so a
scenario file writes only what it chooses, and the CLI, with no scenario setting, passes dbt what dbt would
have used on its own (tests/unit/test_defaults.py)."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import yaml

from planalign.paths import PROJECT_ROOT


@cache
def project_vars() -> dict[str, Any]:
    """dbt_project.yml's vars, as dbt reads them."""
    return yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]


def project_default(name: str) -> Any:
    """The default of the setting `name`: its dbt var (a copy: a caller may change it)."""
    return copy.deepcopy(project_vars()[name])


def default_replications() -> int:
    """The schema counts replications (0: the single deterministic run; N: a Monte Carlo set 1..N); the var
    lists their ids ([0], or [1, ..., N])."""
    ids = project_default("replications")
    return 0 if ids == [0] else len(ids)
