"""Plan designs are data (seeds/plan_designs.csv and its tier tables): check them before anything runs."""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scripts.errors import PlanAlignError
from scripts.paths import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "seeds"
Rate = Field(ge=0, le=1)


class PlanDesign(BaseModel):
    """One row of seeds/plan_designs.csv, with the ranges the SQL relies on."""

    model_config = ConfigDict(extra="forbid")

    plan_design_id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    description: str
    min_eligibility_age: int = Field(ge=0, le=21)
    eligibility_service_days: int = Field(ge=0, le=366)
    entry_frequency: Literal["immediate", "monthly", "quarterly"]
    is_auto_enroll: bool
    auto_enroll_scope: Literal["none", "new_hires", "all_eligible_unenrolled"]
    auto_enroll_rate: Decimal = Rate
    auto_enroll_days: int = Field(ge=0, le=366)
    opt_out_window_days: int = Field(ge=1, le=366)
    enrollment_profile_id: str
    is_auto_escalation: bool
    escalation_rate: Decimal = Rate
    escalation_cap: Decimal = Rate
    escalation_opt_out_rate: Decimal = Rate
    match_formula_id: str
    match_cap_rate: Decimal | None = Field(None, ge=0, le=1)
    match_min_service_years: int = Field(ge=0, le=60)
    match_requires_last_day: bool
    match_min_annual_hours: int = Field(ge=0, le=8784)
    core_formula_id: str
    core_min_service_years: int = Field(ge=0, le=60)
    core_requires_last_day: bool
    core_min_annual_hours: int = Field(ge=0, le=8784)
    vesting_schedule_id: str

    @model_validator(mode="after")
    def _consistent(self) -> PlanDesign:
        if self.is_auto_enroll and (self.auto_enroll_scope == "none" or self.auto_enroll_rate <= 0):
            raise ValueError("is_auto_enroll needs auto_enroll_scope new_hires or all_eligible_unenrolled "
                             "and an auto_enroll_rate above 0")
        if self.is_auto_escalation and (self.escalation_rate <= 0 or self.escalation_cap <= 0):
            raise ValueError("is_auto_escalation needs escalation_rate and escalation_cap above 0")
        return self


def _rows(name: str) -> list[dict[str, str]]:
    path = SEEDS / f"{name}.csv"
    try:
        with path.open(newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise PlanAlignError(f"cannot read {path}: {exc}", hint="restore the seed file from git") from None


def _ids(name: str, column: str) -> set[str]:
    return {row[column] for row in _rows(name)}


def plan_design_ids() -> list[str]:
    return [row["plan_design_id"] for row in _rows("plan_designs")]


def load_plan_design(plan_design_id: str) -> PlanDesign:
    """The named design, validated, with every formula, schedule and profile it names present."""
    rows = [row for row in _rows("plan_designs") if row["plan_design_id"] == plan_design_id]
    if not rows:
        raise PlanAlignError(
            f"plan_design_id = {plan_design_id!r} is not a plan design in seeds/plan_designs.csv",
            hint=f"use one of: {', '.join(plan_design_ids())} (or add a row to seeds/plan_designs.csv)")
    raw = {key: (value if value != "" else None) for key, value in rows[0].items()}
    try:
        design = PlanDesign.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(row)'} = {e.get('input')!r}: "
                             f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())
        raise PlanAlignError(f"seeds/plan_designs.csv, plan design {plan_design_id!r}: {problems}",
                             hint="fix that row of seeds/plan_designs.csv; nothing was run") from None
    references = [
        ("match_formula_id", design.match_formula_id, "plan_match_tiers"),
        ("core_formula_id", design.core_formula_id, "plan_core_tiers"),
        ("vesting_schedule_id", design.vesting_schedule_id, "vesting_schedules"),
        ("enrollment_profile_id", design.enrollment_profile_id, "enrollment_behavior"),
    ]
    for column, value, seed in references:
        if value == "none" and column in {"match_formula_id", "core_formula_id"}:
            continue
        if value not in _ids(seed, column):
            raise PlanAlignError(
                f"seeds/plan_designs.csv, plan design {plan_design_id!r}: {column} = {value!r} "
                f"is not in seeds/{seed}.csv",
                hint=f"add its rows to seeds/{seed}.csv or name an existing one")
    return design


def first_limit_year() -> int:
    try:
        return min(int(row["limit_year"]) for row in _rows("irs_limits"))
    except (ValueError, KeyError, InvalidOperation):
        raise PlanAlignError("seeds/irs_limits.csv has no valid limit_year",
                             hint="restore the seed file from git") from None


# The lists of rows of a resolved design (the dbt var plan_design): key -> (seed, id column, row columns).
DESIGN_TABLES = {
    "match_tiers": ("plan_match_tiers", "match_formula_id",
                    ["min_service_years", "max_service_years", "tier_number", "deferral_from", "deferral_to",
                     "match_rate"]),
    "core_tiers": ("plan_core_tiers", "core_formula_id", ["min_service_years", "max_service_years", "core_rate"]),
    "vesting": ("vesting_schedules", "vesting_schedule_id", ["service_years", "vested_share"]),
    "enrollment_behavior": ("enrollment_behavior", "enrollment_profile_id",
                            ["min_age", "max_age", "opt_out_rate", "voluntary_enrollment_rate"]),
}


def _json_value(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value


def _typed(value: str, seed_type: str) -> object:
    if value == "":
        return None
    if seed_type == "integer":
        return int(value)
    if seed_type == "boolean":
        return value.lower() == "true"
    if seed_type.startswith(("decimal", "double")):
        return float(value)
    return value


def resolved_plan_design(plan_design_id: str) -> dict:
    """The seeds' design as the dbt var plan_design: its row plus its tiers, vesting steps and behaviour."""
    design = load_plan_design(plan_design_id)
    resolved: dict = {key: _json_value(value) for key, value in design.model_dump().items()}
    seed_types = {seed["name"]: seed["config"]["column_types"]
                  for seed in yaml.safe_load((SEEDS / "_seeds.yml").read_text())["seeds"]}
    for key, (seed, id_column, columns) in DESIGN_TABLES.items():
        resolved[key] = [{column: _typed(row[column], seed_types[seed][column]) for column in columns}
                         for row in _rows(seed) if row[id_column] == resolved[id_column]]
    return resolved
