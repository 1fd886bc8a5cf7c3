"""The assumptions whose uncertainty PlanAlign can measure, and their ranges.

Two features read them: `make sensitivity` (each assumption at a low and a high value, one at a time: a tornado)
and `parameter_uncertainty: true` on a Monte Carlo set (every replication draws every assumption from its range).

A range is one of:
- **fitted 90% interval**: the scenario's assumptions came from `make fit`, whose estimates.csv gives the
  setting's 90% interval (reports/fit/<name>/estimates.csv beside assumptions/<name>/);
- **stated range**: the documented default of the table below, central value +/- a number of points, or a
  scenario's own `uncertainty_ranges:` entry;
- **VARY**: what the user wrote on the command line (sensitivity only).

Everything here is pure Python (no dbt, no database), so the unit tests reach it directly.
"""

from __future__ import annotations

import csv
import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planalign.errors import PlanAlignError

FITTED = "fitted 90% interval"
STATED = "stated range"
GIVEN = "VARY"


@dataclass(frozen=True)
class Uncertain:
    """An assumption that can be varied: the scenario setting it is, and its stated range in points."""

    key: str  # the short name VARY and uncertainty_ranges use
    path: str  # the scenario setting (--set key path)
    label: str  # for people
    down_points: float  # the stated range: central - down_points / 100 .. central + up_points / 100
    up_points: float
    minimum: float  # the setting's allowed range (engine/config.py): a drawn or shifted value is kept inside
    maximum: float
    per_replication: bool  # parameter_uncertainty can draw it per replication (the SQL reads it per replication)


# The documented defaults (docs/analyst-guide.md "Sensitivity"; the ranges and their reasons in docs/rules.md).
UNCERTAIN: dict[str, Uncertain] = {u.key: u for u in (
    Uncertain("termination_rate", "workforce.total_termination_rate", "experienced termination rate",
              2.0, 2.0, 0.0, 0.9, True),
    Uncertain("new_hire_termination_rate", "workforce.new_hire_termination_rate", "new-hire termination rate",
              5.0, 5.0, 0.0, 0.9, True),
    Uncertain("growth", "workforce.target_growth_rate", "headcount growth (hiring)", 2.0, 2.0, -0.5, 1.0, True),
    Uncertain("pay_growth", "workforce.pay_growth_shift", "pay growth (every merit and COLA raise)",
              0.5, 0.5, -0.1, 0.1, True),
    Uncertain("promotion_increase", "workforce.promotion_increase", "promotion raise", 2.0, 2.0, 0.0, 1.0, False),
    Uncertain("investment_return", "plan.investment_return_rate", "investment return", 2.0, 2.0, -0.5, 0.5, False),
    # participant behaviour, each a shift in points of every age band's rate (or of the drawn deferral rate)
    Uncertain("participation", "plan.voluntary_enrollment_shift", "voluntary enrollment (every age band's rate)",
              3.0, 3.0, -1.0, 1.0, True),
    Uncertain("opt_out", "plan.opt_out_shift", "auto-enrollment opt-out (every age band's rate)",
              5.0, 5.0, -1.0, 1.0, True),
    Uncertain("deferral", "plan.voluntary_deferral_shift", "voluntary enrollees' chosen deferral rate",
              1.0, 1.0, -0.1, 0.1, True),
)}
BY_PATH = {u.path: u for u in UNCERTAIN.values()}
DEFAULT_KEYS = ("termination_rate", "new_hire_termination_rate", "growth", "pay_growth", "promotion_increase",
                "investment_return", "participation", "opt_out", "deferral")
# make batch's tornado (the difference of two designs): the four assumptions that move who is covered and what they
# are paid (headcount growth, turnover, pay growth, participation), so that the study, one replication per point for
# every design of the grid, adds under half a 20-replication grid (docs/analyst-guide.md "Sensitivity"); VARY=
# names any others
BATCH_KEYS = ("growth", "termination_rate", "pay_growth", "participation")
# the fitted settings (estimates.csv, table 'workforce') that give a key its fitted interval
FITTED_NAMES = {"termination_rate": "total_termination_rate", "new_hire_termination_rate": "new_hire_termination_rate",
                "growth": "target_growth_rate", "promotion_increase": "promotion_increase"}
# the fitted rates by age band (estimates.csv, table 'enrollment_behavior.csv') that give a shift key its fitted
# interval: the exposure-weighted mean over the bands of (low_90 - estimate) and (high_90 - estimate), one shift
# for every band (as if the bands' errors moved together). The deferral shift has none: make fit estimates the
# deferral-rate mix as weights, with no interval for its level.
FITTED_SHIFTS = {"participation": "voluntary_enrollment_rate", "opt_out": "opt_out_rate"}


@dataclass(frozen=True)
class VarySpec:
    """One VARY word: the assumption and each end as written (an absolute value or a shift in points)."""

    key: str
    low: float
    high: float
    low_is_shift: bool
    high_is_shift: bool
    text: str

    def values(self, central: float) -> tuple[float, float]:
        low = central + self.low / 100 if self.low_is_shift else self.low
        high = central + self.high / 100 if self.high_is_shift else self.high
        return round(low, 10), round(high, 10)


@dataclass(frozen=True)
class Range:
    """An assumption's low, central and high value, and which kind of range gave them."""

    uncertain: Uncertain
    low: float
    central: float
    high: float
    source: str

    @property
    def key(self) -> str:
        return self.uncertain.key


def known_keys() -> list[str]:
    return sorted([*UNCERTAIN, *BY_PATH])


def lookup(key: str, where: str) -> Uncertain:
    """The assumption a VARY or uncertainty_ranges key names (short name or setting path); refused with a
    did-you-mean otherwise."""
    found = UNCERTAIN.get(key) or BY_PATH.get(key)
    if found:
        return found
    close = difflib.get_close_matches(key, known_keys(), n=1)
    raise PlanAlignError(f"{where}: unknown assumption '{key}'" + (f" (did you mean '{close[0]}'?)" if close else ""),
                         hint=f"the assumptions that can be varied: {', '.join(UNCERTAIN)} (or their setting "
                              f"paths, e.g. workforce.total_termination_rate)")


_END = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(pt)?\s*$")


def _end(text: str, where: str) -> tuple[float, bool]:
    match = _END.match(text)
    if not match:
        raise PlanAlignError(f"{where}: '{text}' is not a number",
                             hint="write each end as a value (0.10) or a shift in points (-0.5pt, +0.5pt)")
    value = float(match.group(1))
    if not math.isfinite(value):
        raise PlanAlignError(f"{where}: '{text}' is not a finite number", hint="write a value such as 0.10 or -0.5pt")
    return value, match.group(2) is not None


def parse_vary(text: str | None) -> list[VarySpec]:
    """VARY="workforce.total_termination_rate=0.10:0.14 pay_growth=-0.5pt:+0.5pt": one word per assumption,
    key=low:high, each end a value or a shift in points of the central value. Refused in one line: an unknown
    key (did you mean), an end that is not a number, low above high, an assumption named twice."""
    specs: list[VarySpec] = []
    for word in (text or "").split():
        where = f"VARY {word!r}"
        key, sep, ends = word.partition("=")
        if not sep or not key:
            raise PlanAlignError(f"{where}: expected assumption=low:high",
                                 hint='e.g. VARY="termination_rate=0.10:0.14 pay_growth=-0.5pt:+0.5pt"')
        uncertain = lookup(key, where)
        low_text, sep, high_text = ends.partition(":")
        if not sep:
            raise PlanAlignError(f"{where}: expected low:high after '='",
                                 hint=f"e.g. {key}=0.10:0.14 (values) or {key}=-1pt:+1pt (points)")
        low, low_shift = _end(low_text, where)
        high, high_shift = _end(high_text, where)
        if low_shift == high_shift and low > high:
            raise PlanAlignError(f"{where}: low {low_text} is above high {high_text}",
                                 hint=f"write the lower end first: {key}={high_text}:{low_text}")
        if any(spec.key == uncertain.key for spec in specs):
            raise PlanAlignError(f"{where}: {uncertain.key} is varied twice", hint="name each assumption once")
        specs.append(VarySpec(uncertain.key, low, high, low_shift, high_shift, word))
    return specs


def fitted_intervals(assumptions: str | dict[str, Any] | None, root: Path) -> dict[str, tuple[float, float]]:
    """The 90% intervals of the settings a `make fit` estimated, by key (a shift key: its interval around 0, from
    the age bands, FITTED_SHIFTS): read from reports/fit/<name>/estimates.csv
    when the scenario's assumptions folder is assumptions/<name>/ of a fit (the two sit under one root). {} when
    the assumptions are not a fit's, or the estimate has no interval."""
    folder = assumptions.get("folder") if isinstance(assumptions, dict) else assumptions
    if not folder:
        return {}
    path = Path(folder) if Path(folder).is_absolute() else root / folder
    estimates = path.parent.parent / "reports" / "fit" / path.name / "estimates.csv"
    if not estimates.is_file():
        return {}
    with estimates.open(newline="") as handle:
        every = list(csv.DictReader(handle))
    rows = {row["name"]: row for row in every if row.get("table") == "workforce"}
    out = {}
    for key, name in FITTED_SHIFTS.items():
        shift = _band_shift([row for row in every
                             if row.get("table") == "enrollment_behavior.csv" and row.get("name") == name])
        if shift is not None:
            out[key] = shift
    for key, name in FITTED_NAMES.items():
        row = rows.get(name)
        try:
            low, high = float(row["low_90"]), float(row["high_90"])
        except (TypeError, KeyError, ValueError):
            continue
        if math.isfinite(low) and math.isfinite(high) and low <= high:
            out[key] = (low, high)
    return out


def _band_shift(rows: list[dict[str, str]]) -> tuple[float, float] | None:
    """A shift's interval from the fitted rates of the age bands: the exposure-weighted mean of each band's
    (low_90 - estimate) and (high_90 - estimate); None when no band has an interval and some exposure."""
    found = []
    for row in rows:
        try:
            estimate, low, high = float(row["estimate"]), float(row["low_90"]), float(row["high_90"])
            exposure = float(row["exposure"])
        except (TypeError, KeyError, ValueError):
            continue
        if all(math.isfinite(v) for v in (estimate, low, high, exposure)) and low <= estimate <= high and exposure > 0:
            found.append((exposure, low - estimate, high - estimate))
    if not found:
        return None
    total = sum(exposure for exposure, _, _ in found)
    return (round(sum(e * down for e, down, _ in found) / total, 10),
            round(sum(e * up for e, _, up in found) / total, 10))


def setting_value(raw: dict[str, Any], path: str) -> float:
    """The value a validated scenario (model_dump) holds at a setting path."""
    node: Any = raw
    for part in path.split("."):
        node = node[part]
    return float(node)


def _clamped(uncertain: Uncertain, value: float) -> float:
    return round(min(uncertain.maximum, max(uncertain.minimum, value)), 10)


def stated(uncertain: Uncertain, central: float) -> tuple[float, float]:
    return (_clamped(uncertain, central - uncertain.down_points / 100),
            _clamped(uncertain, central + uncertain.up_points / 100))


def ranges(scenario: dict[str, Any], fitted: dict[str, tuple[float, float]], specs: list[VarySpec] | None = None,
           own: dict[str, list[float]] | None = None, keys: tuple[str, ...] = DEFAULT_KEYS) -> list[Range]:
    """Each assumption's range: VARY's when given; else the scenario's own uncertainty_ranges; else the fitted 90%
    interval; else the stated range. `scenario` is the validated scenario as a mapping (its central values)."""
    out = []
    if specs:
        for spec in specs:
            uncertain = UNCERTAIN[spec.key]
            central = setting_value(scenario, uncertain.path)
            low, high = spec.values(central)
            if low > high:
                raise PlanAlignError(f"VARY {spec.text!r}: low {low:g} is above high {high:g} "
                                     f"(the central value is {central:g})",
                                     hint="write the lower end first")
            out.append(Range(uncertain, low, central, high, GIVEN))
        return out
    own = {lookup(key, "uncertainty_ranges").key: value for key, value in (own or {}).items()}
    for key in keys:
        uncertain = UNCERTAIN[key]
        central = setting_value(scenario, uncertain.path)
        if key in own:
            low, high = own[key]
            out.append(Range(uncertain, float(low), central, float(high), STATED))
        elif key in fitted:
            low, high = fitted[key]
            if key in FITTED_SHIFTS:  # the fitted interval of a shift is around the scenario's own shift
                low, high = central + low, central + high
            out.append(Range(uncertain, _clamped(uncertain, low), central, _clamped(uncertain, high), FITTED))
        else:
            out.append(Range(uncertain, *_ordered(stated(uncertain, central), central), STATED))
    return out


def _ordered(ends: tuple[float, float], central: float) -> tuple[float, float, float]:
    return ends[0], central, ends[1]


def check_own_ranges(value: dict[str, Any]) -> dict[str, list[float]]:
    """A scenario's uncertainty_ranges: {key: [low, high]}, key an assumption drawable per replication."""
    for key, ends in value.items():
        try:
            uncertain = lookup(key, "uncertainty_ranges")
        except PlanAlignError as exc:
            raise ValueError(exc.message.removeprefix("uncertainty_ranges: ")) from None
        if not uncertain.per_replication:
            drawable = ", ".join(k for k, u in UNCERTAIN.items() if u.per_replication)
            raise ValueError(f"{key}: not drawn per replication (those are: {drawable})")
        if (not isinstance(ends, list) or len(ends) != 2
                or not all(isinstance(e, int | float) and not isinstance(e, bool) for e in ends)):
            raise ValueError(f"{key}: expected [low, high], two numbers, got {ends!r}")
        if ends[0] > ends[1]:
            raise ValueError(f"{key}: low {ends[0]} is above high {ends[1]}")
        if ends[0] < uncertain.minimum or ends[1] > uncertain.maximum:
            raise ValueError(f"{key}: [{ends[0]}, {ends[1]}] leaves the allowed range "
                             f"[{uncertain.minimum}, {uncertain.maximum}]")
    return value


def draw_var(found: list[Range]) -> dict[str, dict[str, float]]:
    """The dbt var uncertain_settings (parameter_uncertainty: true): per engine setting (the var's name), its
    90% range, central value and the bounds a draw is kept in. Only the assumptions the SQL draws per
    replication."""
    return {r.uncertain.path.split(".")[-1]: {"low": r.low, "central": r.central, "high": r.high,
                                             "minimum": r.uncertain.minimum, "maximum": r.uncertain.maximum}
            for r in found if r.uncertain.per_replication}


def var_name(uncertain: Uncertain) -> str:
    """The dbt var an assumption is (the setting path's last part: workforce.x and plan.x are var x)."""
    return uncertain.path.split(".")[-1]


def points_var(points: list[dict[str, float]], draws: int, first_draw: int) -> dict[str, Any]:
    """The dbt var sensitivity_points of a sensitivity study run as one set of replications: point p (0-based)
    is replications p*draws+1..(p+1)*draws and sets the vars of points[p] (the others keep their central
    value); its replication i draws as replication first_draw + (i - 1) mod draws, so every point sees the
    draws of the same run: first_draw 0 (the single deterministic run) with draws 1, or 1 (a Monte Carlo set
    1..draws). Macros uncertain_setting and uniform_draw read it."""
    if draws < 1 or first_draw not in (0, 1) or (first_draw == 0 and draws != 1):
        raise ValueError(f"a study draws as the single run (first_draw 0, draws 1) or as replications 1..draws, "
                         f"not first_draw {first_draw} with draws {draws}")
    return {"draws": draws, "first_draw": first_draw, "points": [dict(point) for point in points]}


def point_replications(point: int, draws: int) -> list[int]:
    """The replication ids of a study's point (0-based), as points_var lays them out."""
    return list(range(point * draws + 1, (point + 1) * draws + 1))


BAND_RANDOM = "random draws only"
BAND_BOTH = "random draws and assumption uncertainty"


def band_kind(settings: dict[str, Any]) -> str:
    """Which kind of band a stored run's replications give, from its stored settings (dim_scenario_settings)."""
    return BAND_BOTH if settings.get("parameter_uncertainty") else BAND_RANDOM
