"""Scenario files: load, validate (before anything is written), and turn into dbt vars."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scripts.errors import PlanAlignError
from scripts.paths import PROJECT_ROOT
from scripts.plan_designs import first_limit_year, load_plan_design

ID_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


def _check_month_day(value: str) -> str:
    try:
        dt.date.fromisoformat(f"2024-{value}")  # a leap year accepts every real MM-DD
    except (TypeError, ValueError):
        raise ValueError("must be a month and day as 'MM-DD', e.g. '04-01'") from None
    if value == "02-29":
        raise ValueError("02-29 does not exist in most years; use 02-28 or 03-01")
    return value


class WorkforceSettings(BaseModel):
    """The workforce rules of SIMULATION.md; defaults are the baseline scenario."""

    model_config = ConfigDict(extra="forbid")

    total_termination_rate: float = Field(0.12, ge=0.0, le=0.9)
    target_growth_rate: float = Field(0.03, ge=-0.5, le=1.0)
    new_hire_termination_rate: float = Field(0.25, ge=0.0, le=0.9)
    promotion_increase: float = Field(0.15, ge=0.0, le=1.0)
    promotion_month_day: str = "04-01"
    raise_month_day: str = "04-01"
    default_cola_rate: float = Field(0.02, ge=-0.1, le=0.2)

    _month_days = field_validator("promotion_month_day", "raise_month_day")(_check_month_day)

    @model_validator(mode="after")
    def _promotion_not_after_raise(self) -> WorkforceSettings:
        if self.promotion_month_day > self.raise_month_day:
            raise ValueError(
                f"promotion_month_day {self.promotion_month_day} falls after raise_month_day "
                f"{self.raise_month_day}; promotions must take effect on or before the merit date"
            )
        return self


class PlanSettings(BaseModel):
    """Economic assumptions of the plan projection (the plan design itself is plan_design_id)."""

    model_config = ConfigDict(extra="forbid")

    investment_return_rate: float = Field(0.05, ge=-0.5, le=0.5)
    limit_indexing_rate: float = Field(0.025, ge=0.0, le=0.2)
    participation_z_limit: float = Field(4.0, ge=2.0, le=10.0)


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario_id: str = Field(pattern=ID_PATTERN)
    plan_design_id: str = Field("baseline", pattern=ID_PATTERN)
    description: str = ""
    start_year: int = Field(ge=2000, le=2100)
    end_year: int = Field(ge=2000, le=2150)
    random_seed: int = Field(42, ge=0, le=2**31 - 1)
    census_path: str = "data/census_default.csv"
    workforce: WorkforceSettings = WorkforceSettings()
    plan: PlanSettings = PlanSettings()

    @model_validator(mode="after")
    def _years_in_order(self) -> Scenario:
        if self.end_year < self.start_year:
            raise ValueError(f"end_year {self.end_year} is before start_year {self.start_year}")
        if self.end_year - self.start_year >= 50:
            raise ValueError("at most 50 years can be simulated in one scenario")
        return self


def _describe(error: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "(file)"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] in {"missing", "extra_forbidden"} or "input" not in error:
        return f"{where}: {message}"
    return f"{where} = {error['input']!r}: {message}"


def load_scenario(path: Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read and validate a scenario file; `overrides` are CLI options (start_year, census_path...)."""
    if not path.exists():
        raise PlanAlignError(
            f"scenario file not found: {path}",
            hint="pass an existing file with SCENARIO=scenarios/<name>.yml",
        )
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise PlanAlignError(f"{path}: not valid YAML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanAlignError(f"cannot read the scenario file {path}: {exc}",
                             hint="pass a readable UTF-8 YAML file with SCENARIO=") from None
    if not isinstance(raw, dict):
        raise PlanAlignError(f"{path}: expected a mapping of settings at the top level")
    for key, value in (overrides or {}).items():
        if value is not None:
            raw[key] = value
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise PlanAlignError(
            f"{path}: invalid configuration: {problems}",
            hint="fix the value in the scenario file (the allowed range is in the message); nothing was run",
        ) from None
    load_plan_design(scenario.plan_design_id)
    if scenario.start_year < first_limit_year():
        raise PlanAlignError(
            f"{path}: start_year = {scenario.start_year} is before the first year of IRS limits "
            f"in seeds/irs_limits.csv ({first_limit_year()})",
            hint="start the simulation later, or add that year's published limits to seeds/irs_limits.csv")
    return scenario


def resolve_census_path(scenario: Scenario) -> Path:
    path = Path(scenario.census_path)
    return path if path.is_absolute() else (PROJECT_ROOT / path)


def dbt_vars(scenario: Scenario, census_path: Path) -> dict[str, Any]:
    """The scenario as dbt --vars: constant across the years of a run (the year travels apart)."""
    return {
        "scenario_id": scenario.scenario_id,
        "plan_design_id": scenario.plan_design_id,
        "random_seed": scenario.random_seed,
        "start_year": scenario.start_year,
        "census_path": str(census_path),
        **scenario.workforce.model_dump(),
        **scenario.plan.model_dump(),
    }

