"""One effective configuration per run: scenario file -> `extends` chain (deep merge) -> command-line
options -> `--set key.path=value` -> one validated object, with its plan design resolved.

Everything is checked before anything is written; an error names the file chain and the key path.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from planalign.engine import uncertainty
from planalign.engine.assumptions import Assumptions, resolve_assumptions
from planalign.engine.census_excel import XLSX_SUFFIXES
from planalign.engine.census_policy import (
    CensusBounds,
    check_encoding,
    check_severities,
    check_timezone,
    effective_checks,
)
from planalign.engine.defaults import default_replications, project_default
from planalign.engine.plan_designs import (
    DESIGN_SEEDS,
    PlanDesign,
    describe_error,
    first_limit_year,
    match_maximizing_rate,
    resolve_plan_design,
)
from planalign.errors import PlanAlignError
from planalign.keys import Replications, RunKey
from planalign.paths import PROJECT_ROOT
from planalign.store import runsafety

ID_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
SCENARIO_DIR = PROJECT_ROOT / "scenarios"
MAX_REPLICATIONS = 1000
# Settings left out of the dbt vars (so of the config hash and dim_scenario_settings) at their neutral value:
# added after results were stored, they must not make an unchanged run look changed (dbt reads the same neutral
# default from dbt_project.yml).
NEUTRAL_SCALES = {"merit_scale": 1.0, "cola_scale": 1.0, "pay_growth_shift": 0.0, "voluntary_enrollment_shift": 0.0,
                  "opt_out_shift": 0.0, "voluntary_deferral_shift": 0.0, "pay_band_year": None}


def _check_month_day(value: str) -> str:
    try:
        dt.date.fromisoformat(f"2024-{value}")  # a leap year accepts every real MM-DD
    except (TypeError, ValueError):
        raise ValueError("must be a month and day as 'MM-DD', e.g. '04-01'") from None
    if value == "02-29":
        raise ValueError("02-29 does not exist in most years; use 02-28 or 03-01")
    return value


# Every default of a setting that is a dbt var is that var (dbt_project.yml, engine/defaults.py), validated like a
# value a scenario writes (validate_default: 4 becomes 4.0 in a float setting, as the config hash has it).

class WorkforceSettings(BaseModel):
    """The workforce rules (docs/rules.md); defaults are dbt_project.yml's vars (the baseline scenario)."""

    model_config = ConfigDict(extra="forbid", validate_default=True)

    total_termination_rate: float = Field(project_default("total_termination_rate"), ge=0.0, le=0.9)
    target_growth_rate: float = Field(project_default("target_growth_rate"), ge=-0.5, le=1.0)
    new_hire_termination_rate: float = Field(project_default("new_hire_termination_rate"), ge=0.0, le=0.9)
    promotion_increase: float = Field(project_default("promotion_increase"), ge=0.0, le=1.0)
    promotion_month_day: str = Field(project_default("promotion_month_day"))
    raise_month_day: str = Field(project_default("raise_month_day"))
    default_cola_rate: float = Field(project_default("default_cola_rate"), ge=-0.1, le=0.2)
    new_hire_pay_range: list[float] = Field(project_default("new_hire_pay_range"), min_length=2, max_length=2)
    merit_scale: float = Field(project_default("merit_scale"), ge=0.0, le=5.0)
    cola_scale: float = Field(project_default("cola_scale"), ge=0.0, le=5.0)
    pay_band_increase: float = Field(project_default("pay_band_increase"), ge=-0.1, le=0.2)
    # the year whose bands job_levels holds (a census continuing a run that started then); None: the start year
    pay_band_year: int | None = Field(project_default("pay_band_year"), ge=2000, le=2100)
    # added to every merit + COLA raise rate (points of pay growth; sensitivity's pay_growth). 0: the SQL is unchanged
    pay_growth_shift: float = Field(project_default("pay_growth_shift"), ge=-0.1, le=0.1)

    _month_days = field_validator("promotion_month_day", "raise_month_day")(_check_month_day)

    @field_validator("new_hire_pay_range")
    @classmethod
    def _pay_range(cls, value: list[float]) -> list[float]:
        low, high = value
        if not 0 <= low < high <= 1:
            raise ValueError(f"must be [low, high] with 0 <= low < high <= 1 (shares of the level's pay band), "
                             f"got [{low}, {high}]")
        return value

    @model_validator(mode="after")
    def _promotion_not_after_raise(self) -> WorkforceSettings:
        if self.promotion_month_day > self.raise_month_day:
            raise ValueError(
                f"promotion_month_day {self.promotion_month_day} falls after raise_month_day "
                f"{self.raise_month_day}; promotions must take effect on or before the merit date"
            )
        return self


class PlanSettings(BaseModel):
    """Economic assumptions of the plan projection (the plan design itself is plan_design)."""

    model_config = ConfigDict(extra="forbid", validate_default=True)

    investment_return_rate: float = Field(project_default("investment_return_rate"), ge=-0.5, le=0.5)
    limit_indexing_rate: float = Field(project_default("limit_indexing_rate"), ge=0.0, le=0.2)
    participation_z_limit: float = Field(project_default("participation_z_limit"), ge=2.0, le=10.0)
    # The first plan year whose catch-ups follow IRC §414(v)(7) (Roth only above the prior-year wage threshold)
    roth_catch_up_start_year: int = Field(project_default("roth_catch_up_start_year"), ge=2024, le=2150)
    discount_rate: float = Field(project_default("discount_rate"), ge=0.0, le=0.25)
    # Participant behaviour shifted in points (sensitivity's participation, opt_out, deferral; docs/rules.md
    # "Assumption uncertainty"). 0: the SQL is unchanged. Added to every age band's voluntary enrollment and opt-out
    # rates (kept inside 0..1) and to a voluntary enrollee's drawn deferral rate (kept at or above the table's
    # lowest rate, at most 1)
    voluntary_enrollment_shift: float = Field(project_default("voluntary_enrollment_shift"), ge=-1.0, le=1.0)
    opt_out_shift: float = Field(project_default("opt_out_shift"), ge=-1.0, le=1.0)
    voluntary_deferral_shift: float = Field(project_default("voluntary_deferral_shift"), ge=-0.1, le=0.1)


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)

    scenario_id: str = Field(pattern=ID_PATTERN)
    plan_design: str | dict[str, Any] = Field(project_default("plan_design_id"))
    # The design the census's deferral rates were chosen under (a seeded id or a variant, like plan_design): the
    # match-response move-up happens when the simulated design's match-maximizing rate differs from its one
    census_plan_design: str | dict[str, Any] = Field(project_default("census_plan_design_id"))
    description: str = ""
    start_year: int = Field(project_default("start_year"), ge=2000, le=2100)
    end_year: int = Field(ge=2000, le=2150)  # no default: the horizon is the scenario's choice
    random_seed: int = Field(project_default("random_seed"), ge=0, le=2**31 - 1)
    replications: int = Field(default_replications(), ge=0, le=MAX_REPLICATIONS)
    census_path: str = Field(project_default("census_path"))
    census_encoding: str = "utf-8"  # not a dbt var: the CLI decodes the census and hands dbt UTF-8
    census_sheet: str | None = Field(None, min_length=1)  # a workbook's sheet; None: the first (not a dbt var)
    census_timezone: str = Field(project_default("census_timezone"))
    # census rows hired on or after this date are the plan's new hires (docs/fitting.md, "Backtest"); None: none
    census_new_hires_since: dt.date | None = Field(project_default("census_new_hires_since"))
    census_checks: dict[str, str] = Field(default_factory=dict)
    census_bounds: CensusBounds = CensusBounds()
    workforce: WorkforceSettings = WorkforceSettings()
    plan: PlanSettings = PlanSettings()
    # The scenario's own workforce assumption tables: a folder, or {folder, tables} (engine/assumptions.py)
    assumptions: str | dict[str, Any] | None = Field(project_default("assumptions"))
    # A Monte Carlo set whose every replication also draws the uncertain assumptions (engine/uncertainty.py):
    # from the fitted 90% intervals, the scenario's own uncertainty_ranges, or the stated ranges
    parameter_uncertainty: bool = False
    uncertainty_ranges: dict[str, list[float]] = Field(default_factory=dict)

    _census_encoding = field_validator("census_encoding")(check_encoding)
    _census_timezone = field_validator("census_timezone")(check_timezone)
    _census_checks = field_validator("census_checks", mode="before")(check_severities)
    _uncertainty_ranges = field_validator("uncertainty_ranges")(uncertainty.check_own_ranges)

    @model_validator(mode="after")
    def _years_in_order(self) -> Scenario:
        if self.end_year < self.start_year:
            raise ValueError(f"end_year {self.end_year} is before start_year {self.start_year}")
        if self.end_year - self.start_year >= 50:
            raise ValueError(f"start_year {self.start_year} to end_year {self.end_year} is "
                             f"{self.end_year - self.start_year + 1} years; at most 50 can be simulated at once")
        if self.parameter_uncertainty and not self.replications:
            raise ValueError("parameter_uncertainty: true needs a Monte Carlo set (replications: 20, or "
                             "REPLICATIONS=20): the single run has no replications to draw the assumptions in")
        return self


@dataclass
class Effective:
    """The validated scenario, its resolved plan design, and the files it came from."""

    scenario: Scenario
    design: PlanDesign
    chain: list[Path]
    assumptions: Assumptions
    census_design: PlanDesign | None = None
    sets: list[str] = field(default_factory=list)
    # a sensitivity study's points (engine/uncertainty.py points_var): the var sensitivity_points; None for a run
    # whose replications are its own
    study_points: dict[str, Any] | None = None

    @property
    def scenario_id(self) -> str:
        return self.scenario.scenario_id

    @property
    def plan_design_id(self) -> str:
        return self.design.plan_design_id

    @property
    def start_year(self) -> int:
        return self.scenario.start_year

    @property
    def end_year(self) -> int:
        return self.scenario.end_year

    @property
    def replications(self) -> Replications:
        """The replication set: the single deterministic run (0), or a Monte Carlo set 1..N."""
        return Replications(self.scenario.replications or 0)

    @property
    def key(self) -> RunKey:
        return RunKey(self.scenario_id, self.plan_design_id, self.replications)

    @property
    def replication_ids(self) -> list[int]:
        return self.replications.ids

    @property
    def label(self) -> str:
        return self.key.label

    @property
    def census(self) -> Path:
        path = Path(self.scenario.census_path)
        return path if path.is_absolute() else (PROJECT_ROOT / path)

    def dbt_vars(self) -> dict[str, Any]:
        """The run as dbt --vars: constant across its years (the year travels apart, in PLANALIGN_YEAR)."""
        scenario = self.scenario
        return {
            "scenario_id": scenario.scenario_id,
            "plan_design_id": self.plan_design_id,
            "plan_design": self.design.as_var(),
            "random_seed": scenario.random_seed,
            "replications": self.replication_ids,
            "start_year": scenario.start_year,
            "census_path": str(self.census),
            "census_timezone": scenario.census_timezone,
            "census_checks": effective_checks(scenario.census_checks),
            "census_bounds": scenario.census_bounds.model_dump(),
            # only when set: a scenario without it keeps the vars (and so the results and the parse) it had
            **({"census_new_hires_since": scenario.census_new_hires_since.isoformat()}
               if scenario.census_new_hires_since else {}),
            **{name: value for name, value in scenario.workforce.model_dump().items()
               if not (name in NEUTRAL_SCALES and value == NEUTRAL_SCALES[name])},
            **{name: value for name, value in scenario.plan.model_dump().items()
               if not (name in NEUTRAL_SCALES and value == NEUTRAL_SCALES[name])},
            "assumptions": self.assumptions.as_var(),
            **self.census_design_vars(),
            **({"uncertain_settings": uncertainty.draw_var(self.uncertainty_ranges())}
               if scenario.parameter_uncertainty else {}),
            **({"sensitivity_points": self.study_points} if self.study_points else {}),
        }

    def census_design_vars(self) -> dict[str, Any]:
        """The census plan's id and match-maximizing rate (engine/plan_designs.py), as dbt vars."""
        design = self.census_design or self.design
        rate = match_maximizing_rate(design)
        return {"census_plan_design_id": design.plan_design_id,
                "census_match_maximizing_rate": None if rate is None else float(rate)}

    def uncertainty_ranges(self, specs: list[uncertainty.VarySpec] | None = None,
                           keys: tuple[str, ...] = uncertainty.DEFAULT_KEYS) -> list[uncertainty.Range]:
        """The uncertain assumptions' ranges for this scenario (VARY's when given; else, for each of keys, its own
        uncertainty_ranges, the fitted 90% intervals of a make fit, or the stated ranges)."""
        return uncertainty.ranges(self.scenario.model_dump(), uncertainty.fitted_intervals(
            self.scenario.assumptions, PROJECT_ROOT), specs, self.scenario.uncertainty_ranges, keys)

    def run_config(self) -> dict[str, Any]:
        """What a checkpoint must match: every dbt var, the census file's content and every seed the run reads."""
        config = self.dbt_vars()
        config.pop("census_path")
        config["census_sha256"] = runsafety.file_sha256(self.census)
        config["census_encoding"] = self.scenario.census_encoding  # the CLI decodes the file (dbt reads UTF-8)
        if self.census.suffix.lower() in XLSX_SUFFIXES:  # which sheet is read (the file's sha covers the rest)
            config["census_sheet"] = self.scenario.census_sheet
        config.update({f"seeds/{name}.csv": sha for name, sha in seed_hashes().items() if name not in DESIGN_SEEDS})
        return config


# ---- reading scenario files -----------------------------------------------------------------------

def scenario_file(name: str | Path, relative_to: Path | None = None) -> Path:
    """A scenario named by file name (`baseline`, `baseline.yml`) in scenarios/, or by a path."""
    text = str(name)
    candidates = []
    if "/" in text or text.endswith((".yml", ".yaml")):
        path = Path(text)
        if path.is_absolute():
            return path
        if relative_to is not None:
            candidates.append(relative_to / path)
        candidates += [Path.cwd() / path, PROJECT_ROOT / path, SCENARIO_DIR / path]
    else:
        candidates += [SCENARIO_DIR / f"{text}.yml", SCENARIO_DIR / f"{text}.yaml"]
    for candidate in candidates:
        if candidate.exists():
            return candidate.resolve()
    return candidates[0]


def _read_yaml(path: Path, chain: list[Path]) -> dict[str, Any]:
    where = " -> ".join(_short(p) for p in chain)
    if not path.exists():
        raise PlanAlignError(f"scenario file not found: {_short(path)}" + (f" (extended by {where})" if chain else ""),
                             hint="name a file of scenarios/ (e.g. SCENARIO=baseline) or a path to a YAML file")
    try:
        raw = load_yaml(path.read_text(), _short(path))
    except yaml.YAMLError as exc:
        raise PlanAlignError(f"{_short(path)}: not valid YAML ({' '.join(str(exc).split())})",
                             hint="fix the YAML syntax at the line named; nothing was run") from None
    except ValueError as exc:  # YAML reads an unquoted 2025-13-01 as a date and the calendar refuses it
        raise PlanAlignError(f"{_short(path)}: a value written as a date is not a calendar date ({exc})",
                             hint="write dates as YYYY-MM-DD with a real month and day, e.g. 2024-01-01") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanAlignError(f"cannot read the scenario file {_short(path)}: {exc}",
                             hint="pass a readable UTF-8 YAML file with SCENARIO=") from None
    extended = f" (extended by {where})" if chain else ""
    if raw is None:  # no bytes, or only comments and blank lines
        raise PlanAlignError(f"{_short(path)} is empty: it holds no settings{extended}",
                             hint="write at least start_year and end_year, or `extends: baseline` and the settings "
                                  "that differ (as scenarios/high_growth.yml does)")
    if not isinstance(raw, dict):
        raise PlanAlignError(f"{_short(path)}: expected a mapping of settings (key: value lines) at the top level, "
                             f"not {_yaml_kind(raw)}{extended}",
                             hint="one `setting: value` per line, e.g. `start_year: 2025` (see scenarios/baseline.yml)")
    return _normalized(raw, _short(path))


def _yaml_kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"


def load_yaml(text: str, where: str, prefix: tuple[str, ...] = ()) -> Any:
    """yaml.safe_load, but a key that appears twice in one mapping (at any depth) is refused, naming the key
    path and both places: YAML itself lets the last one win silently."""
    for document in yaml.compose_all(text, Loader=yaml.SafeLoader):
        if document is not None:
            _refuse_duplicate_keys(document, list(prefix), where)
    return yaml.safe_load(text)


def _refuse_duplicate_keys(node: yaml.Node, path: list[str], where: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, yaml.Mark] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            mark = key_node.start_mark
            if key is not None and key != "<<":
                if key in seen:
                    first = seen[key]
                    places = (f"lines {first.line + 1} and {mark.line + 1}" if first.line != mark.line else
                              f"columns {first.column + 1} and {mark.column + 1} of line {mark.line + 1}")
                    raise PlanAlignError(
                        f"{where}: key {'.'.join([*path, str(key)])!r} appears twice ({places})",
                        hint="keep one of them: YAML would silently use the last; nothing was run")
                seen[key] = mark
            _refuse_duplicate_keys(value_node, [*path, str(key)], where)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _refuse_duplicate_keys(item, [*path[:-1], f"{path[-1] if path else ''}[{index}]"], where)


def _normalized(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """plan_design_id: X is the old spelling of plan_design: X."""
    if "plan_design_id" in raw:
        if "plan_design" in raw:
            raise PlanAlignError(f"{where}: both plan_design_id and plan_design are set", hint="keep one of them")
        raw["plan_design"] = raw.pop("plan_design_id")
    return raw


def _short(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """A nested key of `override` replaces only itself; lists and scalars are replaced whole."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_chain(path: Path) -> tuple[dict[str, Any], list[Path]]:
    """The scenario with its `extends` parents merged in (the child wins), and the files in order."""
    chain: list[Path] = []
    layers: list[dict[str, Any]] = []
    current: Path | None = path.resolve() if path.exists() else path
    while current is not None:
        if current in chain:
            cycle = " -> ".join(_short(p) for p in [*chain, current])
            raise PlanAlignError(f"scenario extends cycle: {cycle}", hint="remove one of the `extends:` links")
        raw = _read_yaml(current, chain)
        chain.append(current)
        parent = raw.pop("extends", None)
        if len(chain) > 1:
            raw.setdefault("scenario_id", None)  # an id is never inherited: placeholder, dropped below
        layers.append(raw)
        if parent is not None and not isinstance(parent, str):
            raise PlanAlignError(f"{_short(current)}: extends must be a scenario name or path, not {parent!r}")
        current = scenario_file(parent, relative_to=current.parent) if parent else None
    merged: dict[str, Any] = {}
    for layer in reversed(layers):
        merged = deep_merge(merged, {k: v for k, v in layer.items() if not (k == "scenario_id" and v is None)})
    own = layers[0]
    merged["scenario_id"] = own.get("scenario_id") or path.stem
    if len(chain) > 1 and "description" not in own:  # a parent's description would misdescribe the child
        merged["description"] = f"extends {chain[1].stem}"
    return merged, chain


# ---- --set key.path=value -------------------------------------------------------------------------

def parse_set(assignment: str) -> tuple[list[str], Any]:
    if "=" not in assignment:
        raise PlanAlignError(f"--set {assignment!r}: expected key.path=value",
                             hint="e.g. --set workforce.target_growth_rate=0.05 (SET=\"...\" in make)")
    key, _, text = assignment.partition("=")
    path = [part.strip() for part in key.strip().split(".")]
    if not all(path):
        raise PlanAlignError(f"--set {assignment!r}: empty key segment",
                             hint="e.g. --set plan.investment_return_rate=0.04")
    try:
        value = load_yaml(text, f"--set {key.strip()}", tuple(path)) if text.strip() else ""
    except yaml.YAMLError:
        value = text
    return path, value


def apply_set(raw: dict[str, Any], path: list[str], value: Any) -> None:
    if path[0] == "plan_design_id":
        path = ["plan_design", *path[1:]]
    node = raw
    for depth, key in enumerate(path[:-1]):
        child = node.get(key)
        if key == "plan_design" and depth == 0 and child is None:
            child = Scenario.model_fields["plan_design"].default  # the file did not choose one: the default design
        if key == "plan_design" and depth == 0 and isinstance(child, str):
            child = {"extends": child}  # setting a field of a seeded design makes a variant of it
        if child is None:
            child = {}
        if not isinstance(child, dict):
            raise PlanAlignError(f"--set {'.'.join(path)}: {'.'.join(path[:depth + 1])} is {child!r}, not a mapping")
        node[key] = child
        node = child
    node[path[-1]] = value


# ---- the effective configuration ------------------------------------------------------------------

def resolve(path: Path | str, options: dict[str, Any] | None = None, sets: tuple[str, ...] | list[str] = ()
            ) -> Effective:
    """Read, merge, override and validate a scenario; resolve its plan design."""
    file = path if isinstance(path, Path) else scenario_file(path)
    raw, chain = read_chain(file)
    where = " -> ".join(_short(p) for p in chain) + "".join(f" + --set {assignment}" for assignment in sets)
    for key, value in (options or {}).items():
        if value is not None:
            raw[key] = value
    for assignment in sets:
        key_path, value = parse_set(assignment)
        apply_set(raw, key_path, value)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        problems = "; ".join(describe_error(error, model=Scenario) for error in errors)
        unknown = all(error["type"] == "extra_forbidden" for error in errors)
        raise PlanAlignError(
            f"{where}: invalid configuration: {problems}",
            hint=("correct or remove the key in the scenario file or --set (the settings are listed in "
                  "docs/analyst-guide.md); nothing was run" if unknown else
                  "fix the value in the scenario file or --set (the allowed range is in the message); nothing was run"),
        ) from None
    assumptions = resolve_assumptions(scenario.assumptions, where=f"{where}: ")
    own = {name: (table.texts, table.where) for name, table in assumptions.own.items()}
    design = resolve_plan_design(scenario.plan_design, where=f"{where}: ", tables=own)
    try:
        census_design = resolve_plan_design(scenario.census_plan_design, where=f"{where}: census_plan_design: ",
                                            tables=own)
    except PlanAlignError as exc:
        if exc.message.startswith(where):
            raise
        raise PlanAlignError(f"{where}: census_plan_design: {exc.message}", hint=exc.hint) from None
    if scenario.start_year < first_limit_year():
        raise PlanAlignError(
            f"{where}: start_year = {scenario.start_year} is before the first year of IRS limits "
            f"in seeds/irs_limits.csv ({first_limit_year()})",
            hint="start the simulation later, or add that year's published limits to seeds/irs_limits.csv")
    return Effective(scenario=scenario, design=design, chain=chain, sets=list(sets), assumptions=assumptions,
                     census_design=census_design)


def seed_hashes() -> dict[str, str]:
    """sha256 of every seed file, by seed name."""
    return {path.stem: runsafety.file_sha256(path) for path in sorted((PROJECT_ROOT / "seeds").glob("*.csv"))}


def describe_config(config: dict[str, Any]) -> str:
    return json.dumps(config, sort_keys=True, indent=1, default=str)
