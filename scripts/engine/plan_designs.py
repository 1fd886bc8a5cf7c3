"""Plan designs are data: a row of seeds/plan_designs.csv with its tier tables, or a scenario's
variant of one. Both are resolved into one complete design (row + every tier it uses) and checked
by the same rules before anything runs; the resolved design travels to dbt as the var plan_design.
"""

from __future__ import annotations

import csv
import difflib
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from planalign.errors import PlanAlignError
from planalign.paths import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "seeds"
ID = r"^[a-z][a-z0-9_]{0,63}$"
Rate = Field(ge=0, le=1)

# The tier tables of a design: key in a variant, seed file, the design column naming the rows.
TIER_TABLES = {
    "match_tiers": ("plan_match_tiers", "match_formula_id"),
    "core_tiers": ("plan_core_tiers", "core_formula_id"),
    "vesting": ("vesting_schedules", "vesting_schedule_id"),
    "enrollment_behavior": ("enrollment_behavior", "enrollment_profile_id"),
}
# The seeds a design is made of (the config hash covers them through the resolved design instead).
DESIGN_SEEDS = {"plan_designs", *(seed for seed, _ in TIER_TABLES.values())}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MatchTier(_Strict):
    min_service_years: int = Field(0, ge=0, le=999)
    max_service_years: int = Field(999, ge=1, le=999)
    tier_number: int = Field(ge=1, le=20)
    deferral_from: Decimal = Rate
    deferral_to: Decimal = Rate
    match_rate: Decimal = Field(ge=0, le=2)

    @model_validator(mode="after")
    def _ordered(self) -> MatchTier:
        if self.deferral_from >= self.deferral_to:
            raise ValueError(f"deferral_from {self.deferral_from} must be below deferral_to {self.deferral_to}")
        if self.min_service_years >= self.max_service_years:
            raise ValueError(f"min_service_years {self.min_service_years} must be below max_service_years "
                             f"{self.max_service_years}")
        return self


class CoreTier(_Strict):
    min_service_years: int = Field(0, ge=0, le=999)
    max_service_years: int = Field(999, ge=1, le=999)
    core_rate: Decimal = Field(ge=0, le=Decimal("0.25"))

    @model_validator(mode="after")
    def _ordered(self) -> CoreTier:
        if self.min_service_years >= self.max_service_years:
            raise ValueError(f"min_service_years {self.min_service_years} must be below max_service_years "
                             f"{self.max_service_years}")
        return self


class VestingStep(_Strict):
    service_years: int = Field(ge=0, le=60)
    vested_share: Decimal = Rate


class BehaviorBand(_Strict):
    min_age: int = Field(ge=0, le=200)
    max_age: int = Field(ge=1, le=200)
    opt_out_rate: Decimal = Rate
    voluntary_enrollment_rate: Decimal = Rate


def _bands_disjoint(rows: list[Any], low: str, high: str, what: str, group: str | None = None) -> None:
    keyed: dict[Any, list[Any]] = {}
    for row in rows:
        keyed.setdefault(getattr(row, group) if group else None, []).append(row)
    for members in keyed.values():
        spans = sorted((getattr(r, low), getattr(r, high)) for r in members)
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            if start < end:
                raise ValueError(f"{what} overlap: [{start}, ...) starts before the band before it ends ({end})")


class PlanDesign(_Strict):
    """A complete plan design: the row of seeds/plan_designs.csv and every tier it uses."""

    plan_design_id: str = Field(pattern=ID)
    description: str = ""
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
    # Nondiscrimination settings (docs/rules.md#nondiscrimination); the defaults are what an unflagged plan is.
    safe_harbor: Literal["none", "basic_match", "enhanced_match", "nonelective_3", "qaca"] = "none"
    ndt_testing_method: Literal["current_year", "prior_year"] = "current_year"
    ndt_compensation: Literal["plan_year", "while_eligible"] = "while_eligible"
    hce_top_paid_group: bool = False
    # What a failed ADP/ACP test leads to: report (nothing changes, both corrections are costed), refund (the
    # excess goes back to the HCEs) or qnec (the NHCEs get the qualified nonelective contribution that passes).
    ndt_correction: Literal["report", "refund", "qnec"] = "report"
    # Roth and forfeitures (docs/rules.md: Roth deferrals and the Roth catch-up rule; forfeitures and net cost).
    roth_available: bool = True
    forfeiture_use: Literal["reduce_employer_contributions", "pay_plan_expenses", "reallocate"] = \
        "reduce_employer_contributions"
    match_tiers: list[MatchTier]
    core_tiers: list[CoreTier]
    vesting: list[VestingStep]
    enrollment_behavior: list[BehaviorBand]

    @model_validator(mode="after")
    def _consistent(self) -> PlanDesign:
        if self.is_auto_enroll and (self.auto_enroll_scope == "none" or self.auto_enroll_rate <= 0):
            raise ValueError("is_auto_enroll needs auto_enroll_scope new_hires or all_eligible_unenrolled "
                             f"and an auto_enroll_rate above 0 (auto_enroll_scope {self.auto_enroll_scope}, "
                             f"auto_enroll_rate {self.auto_enroll_rate})")
        if self.is_auto_escalation and (self.escalation_rate <= 0 or self.escalation_cap <= 0):
            raise ValueError(f"is_auto_escalation needs escalation_rate and escalation_cap above 0 (escalation_rate "
                             f"{self.escalation_rate}, escalation_cap {self.escalation_cap})")
        if (self.match_formula_id == "none") != (not self.match_tiers):
            raise ValueError(f"match_tiers must be given exactly when there is a match (match_formula_id "
                             f"{self.match_formula_id!r}, {len(self.match_tiers)} match_tiers)")
        if (self.core_formula_id == "none") != (not self.core_tiers):
            raise ValueError(f"core_tiers must be given exactly when there is a core contribution (core_formula_id "
                             f"{self.core_formula_id!r}, {len(self.core_tiers)} core_tiers)")
        _bands_disjoint(self.core_tiers, "min_service_years", "max_service_years", "core_tiers service bands")
        for band in {tier.min_service_years for tier in self.match_tiers}:
            tiers = sorted((t for t in self.match_tiers if t.min_service_years == band), key=lambda t: t.tier_number)
            if [t.tier_number for t in tiers] != list(range(1, len(tiers) + 1)):
                raise ValueError(f"match_tiers of service band {band}: tier_number must run 1, 2, ... without gaps")
            for before, after in zip(tiers, tiers[1:], strict=False):
                if after.deferral_from < before.deferral_to:
                    raise ValueError(f"match_tiers of service band {band}: tier {after.tier_number} starts at "
                                     f"{after.deferral_from}, before tier {before.tier_number} ends")
        if self.ndt_correction == "qnec" and self.ndt_testing_method == "prior_year":
            raise ValueError("ndt_correction qnec needs ndt_testing_method current_year: under prior-year testing the "
                             "NHCE average is last year's, which this year's QNEC cannot raise; use refund or report")
        if not self.vesting:
            raise ValueError("vesting needs at least one step (service_years 0)")
        steps = sorted(self.vesting, key=lambda s: s.service_years)
        if steps[0].service_years != 0 or steps[-1].vested_share != 1:
            raise ValueError(f"vesting must start at service_years 0 and reach vested_share 1 (starts at "
                             f"{steps[0].service_years}, reaches {steps[-1].vested_share})")
        if any(b.vested_share < a.vested_share for a, b in zip(steps, steps[1:], strict=False)) or \
                len({s.service_years for s in steps}) != len(steps):
            raise ValueError("vesting: one step per service year, with vested_share never decreasing")
        if not self.enrollment_behavior:
            raise ValueError("enrollment_behavior needs at least one age band")
        _bands_disjoint(self.enrollment_behavior, "min_age", "max_age", "enrollment_behavior age bands")
        return self

    def as_var(self) -> dict[str, Any]:
        """The design as the dbt var plan_design (JSON-safe: decimals as strings read exactly by SQL casts)."""
        return self.model_dump(mode="json")


# ---- the seed library -----------------------------------------------------------------------------

def _rows(name: str) -> list[dict[str, str]]:
    path = SEEDS / f"{name}.csv"
    try:
        with path.open(newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise PlanAlignError(f"cannot read {path}: {exc}", hint="restore the seed file from git") from None


def plan_design_ids() -> list[str]:
    return [row["plan_design_id"] for row in _rows("plan_designs")]


# A scenario's own copy of a tier table (its assumptions: enrollment_behavior): seed name -> (rows, file name).
Tables = dict[str, tuple[list[dict[str, str]], str]]


def _seed_tiers(key: str, identifier: str, tables: Tables | None = None) -> list[dict[str, str]]:
    seed, column = TIER_TABLES[key]
    rows = tables[seed][0] if tables and seed in tables else _rows(seed)
    return [{k: v for k, v in row.items() if k != column} for row in rows if row[column] == identifier]


def _table_file(seed: str, tables: Tables | None) -> str:
    return tables[seed][1] if tables and seed in tables else f"seeds/{seed}.csv"


def _seed_design_raw(plan_design_id: str, where: str, tables: Tables | None = None) -> dict[str, Any]:
    rows = [row for row in _rows("plan_designs") if row["plan_design_id"] == plan_design_id]
    if not rows:
        raise PlanAlignError(
            f"{where}plan design {plan_design_id!r} is not in seeds/plan_designs.csv",
            hint=f"use one of: {', '.join(plan_design_ids())}, or define a variant in the scenario "
                 "(plan_design: {extends: baseline, id: my_design, ...})")
    raw: dict[str, Any] = {key: (value if value != "" else None) for key, value in rows[0].items()}
    for key, (seed, column) in TIER_TABLES.items():
        identifier = raw[column]
        if identifier == "none" and key in {"match_tiers", "core_tiers"}:
            raw[key] = []
            continue
        raw[key] = _seed_tiers(key, identifier, tables)
        if not raw[key]:
            raise PlanAlignError(
                f"{where}seeds/plan_designs.csv, plan design {plan_design_id!r}: {column} = {identifier!r} "
                f"is not in {_table_file(seed, tables)}",
                hint=f"add its rows to {_table_file(seed, tables)} or name an existing one")
    return raw


def _validate(raw: dict[str, Any], where: str, fix: str) -> PlanDesign:
    try:
        design = PlanDesign.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(describe_error(e, prefix="plan_design", model=PlanDesign) for e in exc.errors())
        raise PlanAlignError(f"{where}{problems}", hint=fix) from None
    refusals = safe_harbor_refusals(design)
    if refusals:
        named = f"plan design {design.plan_design_id!r}"
        prefix = where if named in where else f"{where}{named}: "
        raise PlanAlignError("\n".join(f"{prefix}{refusal}" for refusal in refusals),
                             hint="give the design a formula, vesting and enrollment that meet the rule, or set "
                                  "safe_harbor: none (the plan is then ADP/ACP tested); nothing was run")
    return design


# ---- safe harbor: what a flagged design must give (docs/rules.md#safe-harbor-designs) -----------------

# The statutory match formulas as tiers (deferral_from, deferral_to, match_rate).
BASIC_MATCH = ((Decimal("0"), Decimal("0.03"), Decimal("1")), (Decimal("0.03"), Decimal("0.05"), Decimal("0.5")))
QACA_MATCH = ((Decimal("0"), Decimal("0.01"), Decimal("1")), (Decimal("0.01"), Decimal("0.06"), Decimal("0.5")))
SAFE_HARBOR_CORE = Decimal("0.03")
QACA_MIN_DEFAULT_RATE = Decimal("0.03")
QACA_MAX_CLIFF_YEARS = 2
SERVICE_END = 999


def formula_match(tiers: Any, deferral: Decimal, cap: Decimal | None = None) -> Decimal:
    """The match on a deferral rate, as a share of pay: each tier pays its rate on the deferrals within it."""
    total = sum((rate * max(Decimal(0), min(deferral, to) - start) for start, to, rate in tiers), Decimal(0))
    return total if cap is None else min(total, cap)


def match_maximizing_rate(design: PlanDesign) -> Decimal | None:
    """The smallest deferral rate that earns the design's full match (after match_cap_rate) in every service band,
    to 6 decimals; None when the design matches nothing. The same rule as the model
    int_match_maximizing_rate_derived (docs/rules.md, "Deferrals that respond to the match")."""
    if design.match_formula_id == "none":
        return None
    rates = []
    for low, high in sorted({(t.min_service_years, t.max_service_years) for t in design.match_tiers}):
        tiers = sorted((t.deferral_from, t.deferral_to, t.match_rate) for t in design.match_tiers
                       if (t.min_service_years, t.max_service_years) == (low, high) and t.match_rate > 0)
        full = formula_match(tiers, Decimal(1), design.match_cap_rate)
        earned = Decimal(0)
        for start, to, rate in tiers:
            if full > 0 and earned + rate * (to - start) >= full:
                rates.append(start + (full - earned) / rate)
                break
            earned += rate * (to - start)
    return max(rates).quantize(Decimal("0.000001")) if rates else None


def _service_bands(tiers: list[MatchTier] | list[CoreTier]) -> tuple[list[tuple[int, int]], int | None]:
    """The service bands of a tier table, and the first whole year of service no band covers (None: all do)."""
    bands = sorted({(t.min_service_years, t.max_service_years) for t in tiers})
    covered = 0
    for low, high in bands:
        if low > covered:
            return bands, covered
        covered = max(covered, high)
    return bands, None if covered >= SERVICE_END else covered


def _pct(value: Decimal) -> str:
    return f"{(Decimal(value) * 100).normalize():f}%"


def _years(low: int, high: int) -> str:
    return f"{low}+ years" if high >= SERVICE_END else f"{low}-{high - 1} years"


def _match_refusals(design: PlanDesign, required: tuple[tuple[Decimal, Decimal, Decimal], ...], name: str,
                    section: str) -> list[str]:
    bands, gap = _service_bands(design.match_tiers)
    if gap is not None:
        return [f"safe_harbor {design.safe_harbor}: the match formula gives nothing at {gap} years of service "
                f"(no service band holds it), below the {name} ({section})"]
    refusals = []
    for low, high in bands:
        tiers = [(t.deferral_from, t.deferral_to, t.match_rate) for t in design.match_tiers
                 if t.min_service_years == low]
        points = sorted({Decimal(0), Decimal(1), *(p for tier in tiers for p in tier[:2]),
                         *(p for tier in required for p in tier[:2])})
        for point in points:
            given = formula_match(tiers, point, design.match_cap_rate)
            owed = formula_match(required, point)
            if given < owed:
                refusals.append(f"safe_harbor {design.safe_harbor}: at a deferral of {_pct(point)} of pay "
                                f"(service {_years(low, high)}) the match is {_pct(given)} of pay, below the "
                                f"{_pct(owed)} of the {name} ({section})")
                break
        rates = [rate for _, _, rate in sorted(tiers)]
        if any(later > earlier for earlier, later in zip(rates, rates[1:], strict=False)):
            refusals.append(f"safe_harbor {design.safe_harbor}: the match rate rises with the deferral rate "
                            f"(service {_years(low, high)}), which a safe-harbor match may not do "
                            "(IRC §401(k)(12)(B)(iii)(I))")
    return refusals


def _core_refusals(design: PlanDesign, section: str) -> list[str]:
    if not design.core_tiers:
        return [f"safe_harbor {design.safe_harbor}: no nonelective (core) contribution, so no 3% "
                f"nonelective safe harbor ({section})"]
    bands, gap = _service_bands(design.core_tiers)
    if gap is not None:
        return [f"safe_harbor {design.safe_harbor}: the core formula gives nothing at {gap} years of service "
                f"(no service band holds it), below the 3% nonelective contribution ({section})"]
    low_rates = [t for t in design.core_tiers if t.core_rate < SAFE_HARBOR_CORE]
    return [f"safe_harbor {design.safe_harbor}: the core rate is {_pct(t.core_rate)} at "
            f"{_years(t.min_service_years, t.max_service_years)} of service, below the 3% nonelective "
            f"contribution ({section})" for t in low_rates[:1]]


def _conditions_refusals(design: PlanDesign, source: str) -> list[str]:
    conditions = [f"{source}_min_service_years {getattr(design, f'{source}_min_service_years')}"
                  if getattr(design, f"{source}_min_service_years") else None,
                  f"{source}_requires_last_day" if getattr(design, f"{source}_requires_last_day") else None,
                  f"{source}_min_annual_hours {getattr(design, f'{source}_min_annual_hours')}"
                  if getattr(design, f"{source}_min_annual_hours") else None]
    given = [c for c in conditions if c]
    if not given:
        return []
    return [f"safe_harbor {design.safe_harbor}: the {source} has allocation conditions ({', '.join(given)}); a "
            "safe-harbor contribution goes to every eligible employee (Treas. Reg. §1.401(k)-3(b)(1), (c)(1))"]


def _vested_at(design: PlanDesign, years: int) -> Decimal:
    return max((s.vested_share for s in design.vesting if s.service_years <= years), default=Decimal(0))


def safe_harbor_refusals(design: PlanDesign) -> list[str]:
    """Why a design flagged safe harbor is not one: one sentence per broken rule, naming the IRC section.
    Empty for an unflagged design (safe_harbor none: the plan is tested) and for one that meets its rule."""
    flag = design.safe_harbor
    if flag == "none":
        return []
    refusals: list[str] = []
    uses_core = flag == "nonelective_3" or (flag == "qaca" and not design.match_tiers)
    if flag in {"basic_match", "enhanced_match"}:
        refusals += _match_refusals(design, BASIC_MATCH, "basic safe-harbor match (100% of the first 3% + 50% "
                                    "of the next 2%)", "IRC §401(k)(12)(B)")
    elif flag == "qaca" and design.match_tiers:
        refusals += _match_refusals(design, QACA_MATCH, "QACA match (100% of the first 1% + 50% of the next 5%)",
                                    "IRC §401(k)(13)(D)(i)(I)")
    if uses_core:
        refusals += _core_refusals(design, "IRC §401(k)(13)(D)(i)(II)" if flag == "qaca" else "IRC §401(k)(12)(C)")
    refusals += _conditions_refusals(design, "core" if uses_core else "match")
    if flag == "qaca":
        if _vested_at(design, QACA_MAX_CLIFF_YEARS) < 1:
            refusals.append(f"safe_harbor qaca: vesting schedule {design.vesting_schedule_id!r} is "
                            f"{_pct(_vested_at(design, QACA_MAX_CLIFF_YEARS))} vested at 2 years of service; a "
                            "QACA contribution vests fully within 2 years (IRC §401(k)(13)(D)(iii)(I))")
        if not design.is_auto_enroll or design.auto_enroll_scope != "all_eligible_unenrolled":
            refusals.append(f"safe_harbor qaca: auto-enrollment is {design.auto_enroll_scope!r}; a QACA enrolls "
                            "every eligible employee who has made no election (auto_enroll_scope: "
                            "all_eligible_unenrolled; IRC §401(k)(13)(C)(i))")
        if design.auto_enroll_rate < QACA_MIN_DEFAULT_RATE:
            refusals.append(f"safe_harbor qaca: auto_enroll_rate {_pct(design.auto_enroll_rate)} is below the 3% a "
                            "QACA defaults to (IRC §401(k)(13)(C)(iii))")
    elif _vested_at(design, 0) < 1:
        refusals.append(f"safe_harbor {flag}: vesting schedule {design.vesting_schedule_id!r} is not 100% vested "
                        "at 0 years of service; a safe-harbor contribution vests immediately (IRC "
                        "§401(k)(12)(E)(i), Treas. Reg. §1.401(k)-3(b)(1), (c)(1))")
    return refusals


def _keys_at(model: Any, loc: tuple) -> list[str]:
    """The keys the pydantic model accepts at a location (its nested models followed by field name)."""
    for part in loc:
        field = getattr(model, "model_fields", {}).get(part) if isinstance(part, str) else None
        if field is None:
            return []
        candidates = [field.annotation, *getattr(field.annotation, "__args__", ())]
        model = next((c for c in candidates if isinstance(c, type) and hasattr(c, "model_fields")), None)
        if model is None:
            return []
    return sorted(getattr(model, "model_fields", {}))


def unknown_key(error: dict[str, Any], model: Any, prefix: str = "") -> str | None:
    """An unknown key as "unknown key 'x' (did you mean 'y'?)" (the closest accepted key, difflib), or with the
    keys accepted there when none is close; None for any other error."""
    if error["type"] != "extra_forbidden" or model is None:
        return None
    *parent, name = error["loc"]
    known = _keys_at(model, tuple(parent))
    where = ".".join([prefix] * bool(prefix) + [str(part) for part in parent])
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
    found = f"unknown key '{name}'" + (f" in {where}" if where else "")
    if close:
        return f"{found} (did you mean '{close[0]}'?)"
    return f"{found} (the keys there: {', '.join(known)})" if known else found


def describe_error(error: dict[str, Any], prefix: str = "", model: Any = None) -> str:
    """One validation error as `key.path[index] = value: message`; a rule over several keys (a model
    validator) as its message alone, which names the values involved, never as a dump of the settings; an
    unknown key of `model` as unknown_key says it."""
    unknown = unknown_key(error, model, prefix)
    if unknown is not None:
        return unknown
    parts = [prefix] if prefix else []
    for part in error["loc"]:
        if isinstance(part, int) and parts:
            parts[-1] += f"[{part}]"
        else:
            parts.append(str(part))
    message = error["msg"].removeprefix("Value error, ")
    if not parts:
        return message
    where = ".".join(parts)
    if error["type"] in {"missing", "extra_forbidden"} or "input" not in error or \
            isinstance(error["input"], dict):
        return f"{where}: {message}"
    value = repr(error["input"])
    return f"{where} = {value if len(value) <= 60 else value[:57] + '...'}: {message}"


def load_plan_design(plan_design_id: str) -> PlanDesign:
    """A seeded design, resolved and validated."""
    raw = _seed_design_raw(plan_design_id, "")
    return _validate(raw, f"seeds/plan_designs.csv, plan design {plan_design_id!r}: ",
                     "fix that row of seeds/plan_designs.csv (or its tier rows); nothing was run")


def resolve_plan_design(spec: str | dict[str, Any], where: str = "", tables: Tables | None = None) -> PlanDesign:
    """A seeded design id, or a variant {extends: <id>, id: <new id>, <columns>, <tier lists>}. `tables` are the
    scenario's own tier tables (its assumptions), read instead of the seeds."""
    if isinstance(spec, str):
        if tables:
            raw = _seed_design_raw(spec, where, tables)
            return _validate(raw, f"{where}plan design {spec!r}: ",
                             "fix the scenario's assumption tables or the seed; nothing was run")
        return load_plan_design(spec)
    if not isinstance(spec, dict):
        raise PlanAlignError(f"{where}plan_design must be a plan design id or a mapping, not {spec!r}")
    variant = dict(spec)
    design_id = variant.pop("id", None) or variant.pop("plan_design_id", None)
    parent = variant.pop("extends", None)
    if not design_id:
        raise PlanAlignError(f"{where}plan_design: a variant needs its own id (plan_design.id), so that its "
                             "results are never stored under the id of the design it changes",
                             hint="add e.g. `id: my_design` to plan_design (or --set plan_design.id=my_design)")
    if design_id in plan_design_ids():
        raise PlanAlignError(f"{where}plan_design.id = {design_id!r} is already a design in seeds/plan_designs.csv",
                             hint="give the variant an id of its own")
    raw = _seed_design_raw(str(parent), where, tables) if parent is not None else {}
    raw["plan_design_id"] = design_id
    raw["description"] = variant.pop("description", f"variant of {parent}" if parent else design_id)
    for key, (seed, column) in TIER_TABLES.items():
        if column in variant and key not in variant:  # e.g. vesting_schedule_id: immediate
            identifier = variant.pop(column)
            raw[column] = identifier
            raw[key] = [] if identifier == "none" and key in {"match_tiers", "core_tiers"} else \
                _seed_tiers(key, str(identifier), tables)
            if not raw[key] and identifier != "none":
                raise PlanAlignError(f"{where}plan_design.{column} = {identifier!r} is not in "
                                     f"{_table_file(seed, tables)}",
                                     hint=f"name an id of {_table_file(seed, tables)} or give `{key}:` rows inline")
        elif key in variant:  # inline rows: the formula takes the design's id
            rows = variant.pop(key)
            variant.pop(column, None)
            raw[key] = list(rows) if isinstance(rows, list) else rows if rows is not None else []
            if key == "match_tiers" and isinstance(raw[key], list):
                raw[key] = _numbered(raw[key])
            raw[column] = design_id if raw[key] else "none"
    raw.update(variant)
    return _validate(raw, where, "fix the plan_design of the scenario (the key path is in the message); "
                                 "nothing was run")


def _numbered(tiers: list[Any]) -> list[Any]:
    """Inline match tiers may leave out tier_number: they count 1, 2, ... within a service band, in order."""
    counts: dict[Any, int] = {}
    numbered = []
    for tier in tiers:
        if isinstance(tier, dict) and "tier_number" not in tier:
            band = tier.get("min_service_years", 0)
            counts[band] = counts.get(band, 0) + 1
            tier = {**tier, "tier_number": counts[band]}
        numbered.append(tier)
    return numbered


def first_limit_year() -> int:
    try:
        return min(int(row["limit_year"]) for row in _rows("irs_limits"))
    except (ValueError, KeyError, InvalidOperation):
        raise PlanAlignError("seeds/irs_limits.csv has no valid limit_year",
                             hint="restore the seed file from git") from None


def seed_sources(design: PlanDesign) -> dict[str, str]:
    """Which seed file each part of a resolved design came from (for naming what changed)."""
    sources = {}
    for key, (seed, column) in TIER_TABLES.items():
        identifier = getattr(design, column)
        if identifier != design.plan_design_id and identifier != "none":
            sources[key] = f"seeds/{seed}.csv ({column} {identifier!r})"
    if design.plan_design_id in plan_design_ids():
        sources["row"] = f"seeds/plan_designs.csv (plan design {design.plan_design_id!r})"
    return sources
