"""`calibrate`: the merit (or COLA) scale at which a scenario's average pay growth meets a target.

Every evaluation is a real simulation of the scenario's years into a scratch database, with the same seed
(common random numbers: the growth is a deterministic function of the scale). Brent's method
(scipy.optimize.brentq) looks for the root of growth(scale) - target inside a bracket whose ends are
simulated first; a target outside the growth at the two ends is refused. The search stops at the first
evaluation within the tolerance. The scale is rounded to 6 decimals before it is simulated, so the value
written to the calibrated scenario is exactly the one whose growth is reported.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planalign.engine import years as year_protocol
from planalign.engine.config import SCENARIO_DIR, Effective, resolve, scenario_file
from planalign.errors import PlanAlignError
from planalign.store import db
from planalign.store import history as store

SETTINGS = {"merit": "merit_scale", "cola": "cola_scale"}
BRACKETS = {"merit": (0.0, 3.0), "cola": (0.0, 4.0)}  # within the settings' allowed 0-5
TOLERANCE = 0.0005  # 0.05 percentage points
MAX_EVALUATIONS = 20


@dataclass(frozen=True)
class Evaluation:
    scale: float
    growth: float  # average pay growth over the horizon (mean over replications)
    replications: int
    census_pay: float
    end_pay: float
    seconds: float


@dataclass
class Calibration:
    scenario_id: str
    setting: str  # workforce.merit_scale or workforce.cola_scale
    target: float
    tolerance: float
    start_year: int
    end_year: int
    census: Path
    bracket: tuple[float, float]
    evaluations: list[Evaluation] = field(default_factory=list)
    solution: Evaluation | None = None
    seconds: float = 0.0
    scenario_file: Path | None = None
    report: Path | None = None


class _Found(Exception):
    """Stops the root finder at the first evaluation within the tolerance."""

    def __init__(self, evaluation: Evaluation):
        super().__init__()
        self.evaluation = evaluation


def horizon(effective: Effective, start: int | None, end: int | None, count: int | None) -> tuple[int, int]:
    first = effective.start_year if start is None else start
    if count is not None and end is not None:
        raise PlanAlignError("give END or YEARS, not both", hint="e.g. make calibrate ... START=2025 YEARS=5")
    if count is not None and count < 1:
        raise PlanAlignError(f"YEARS must be at least 1, got {count}")
    last = first + count - 1 if count is not None else (effective.end_year if end is None else end)
    if last < first:
        raise PlanAlignError(f"END {last} is before START {first}")
    return first, last


def simulate_and_measure(effective: Effective, scratch: Path, number: int, measure: Callable[[Any], Any]) -> Any:
    """Evaluation `number`: the configuration's whole run into a scratch database, `measure(connection)` read
    from it, the database deleted."""
    # the same file name in each folder: the runner's parsed manifest serves every evaluation
    database = scratch / f"evaluation_{number}" / "calibrate.duckdb"
    year_protocol.simulate_into(database, effective, "calibrate")
    with db.read_only(database) as con:
        measured = measure(con)
    shutil.rmtree(database.parent, ignore_errors=True)
    return measured


def resolve_horizon(scenario_name: str, census: str | None, start: int | None, end: int | None, count: int | None,
                    sets: Sequence[str]) -> tuple[Path, dict[str, Any], Effective]:
    """The scenario's file, the options (census, horizon) every evaluation is resolved with, and the resolved
    scenario; refused here, before any simulation, when the horizon is invalid."""
    path = scenario_file(scenario_name)
    options: dict[str, Any] = {"census_path": str(Path(census).resolve()) if census else None}
    first, last = horizon(resolve(path, options, sets), start, end, count)
    options.update({"start_year": first, "end_year": last})
    return path, options, resolve(path, options, sets)


def calibrate(scenario_name: str, target: float, solve: str = "merit", census: str | None = None,
              start: int | None = None, end: int | None = None, count: int | None = None,
              sets: Sequence[str] = (), bracket: tuple[float, float] | None = None, tolerance: float = TOLERANCE,
              on_evaluation: Callable[[Evaluation], None] | None = None, work: Path | None = None) -> Calibration:
    """Solve the scale of `solve` (merit or cola) for the target average pay growth; see the module docstring."""
    if solve not in SETTINGS:
        raise PlanAlignError(f"SOLVE must be merit or cola, got {solve!r}",
                             hint="merit scales merit_rate (workforce.merit_scale); cola scales the year's COLA "
                                  "(workforce.cola_scale)")
    if not -0.5 < target < 1.0:
        raise PlanAlignError(f"TARGET_PAY_GROWTH {target} is not a yearly growth rate (a fraction, e.g. 0.035)",
                             hint="write the rate as a fraction: 3.5% is 0.035")
    setting = f"workforce.{SETTINGS[solve]}"
    if any(assignment.split("=", 1)[0].strip() == setting for assignment in sets):
        raise PlanAlignError(f"SET gives {setting}, the value calibrate solves for", hint=f"drop {setting} from SET")
    path, options, base = resolve_horizon(scenario_name, census, start, end, count, sets)
    first, last = base.start_year, base.end_year
    low, high = bracket or BRACKETS[solve]
    if not 0 <= low < high <= 5:
        raise PlanAlignError(f"bracket [{low}, {high}] is not within the allowed 0 to 5 (low below high)")
    result = Calibration(base.scenario_id, setting, target, tolerance, first, last, base.census, (low, high))
    began = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="planalign_calibrate_", dir=work))
    try:
        def evaluate(scale: float) -> Evaluation:
            scale = round(scale, 6)
            for done in result.evaluations:  # brentq may ask again for a point it has (after rounding)
                if done.scale == scale:
                    return done
            if len(result.evaluations) >= MAX_EVALUATIONS:
                raise PlanAlignError(f"no scale within {tolerance:.4%} of the target after {MAX_EVALUATIONS} "
                                     "simulations", hint="the growth may not move smoothly with the scale here; "
                                                         "try a narrower bracket or a larger census", exit_code=1)
            effective = resolve(path, options, [*sets, f"{setting}={scale!r}"])
            clock = time.monotonic()
            growth, replications, _, _, census_pay, end_pay = simulate_and_measure(
                effective, scratch, len(result.evaluations) + 1,
                lambda con: store.pay_growth(con, effective.key, last, last - first + 1))
            evaluation = Evaluation(scale, growth, replications, census_pay, end_pay,
                                    round(time.monotonic() - clock, 1))
            result.evaluations.append(evaluation)
            if on_evaluation is not None:
                on_evaluation(evaluation)
            return evaluation

        def gap(scale: float) -> float:
            evaluation = evaluate(scale)
            if abs(evaluation.growth - target) <= tolerance:
                raise _Found(evaluation)
            return evaluation.growth - target

        try:
            below, above = gap(low), gap(high)
            if below == above:
                raise PlanAlignError(
                    f"TARGET_PAY_GROWTH {target:.4%} is unreachable with {setting} in [{low:g}, {high:g}]: the "
                    f"scale changes nothing (average pay growth {result.evaluations[0].growth:.4%} at both ends; "
                    f"is the scaled rate 0 in every year, as the shipped COLA is?)",
                    hint="solve the other scale (SOLVE=merit|cola), or give the scenario a non-zero rate to scale")
            if below * above > 0:
                reached = sorted((result.evaluations[0].growth, result.evaluations[-1].growth))
                raise PlanAlignError(
                    f"TARGET_PAY_GROWTH {target:.4%} is unreachable with {setting} in [{low:g}, {high:g}]: "
                    f"the average pay growth runs from {reached[0]:.4%} to {reached[1]:.4%} there",
                    hint="choose a target in that range, or solve another scale (SOLVE=merit|cola)")
            from scipy.optimize import brentq  # here, not at import: scipy slows every command's start

            brentq(gap, low, high, xtol=1e-6, maxiter=MAX_EVALUATIONS)
            best = min(result.evaluations, key=lambda e: abs(e.growth - target))
            raise PlanAlignError(f"the root finder stopped at {setting}={best.scale:g} with growth "
                                 f"{best.growth:.4%}, not within {tolerance:.4%} of {target:.4%}",
                                 hint="the growth jumps with the scale here (a small census?): try a larger "
                                      "census or a looser tolerance", exit_code=1)
        except _Found as found:
            result.solution = found.evaluation
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result.seconds = round(time.monotonic() - began, 1)
    return result


def write_outputs(result: Calibration, base_scenario: str, scenario_out: Path | None, report_out: Path) -> None:
    """The calibrated scenario (extends the scenario, sets the solved value) and the Markdown report."""
    solved = result.solution
    group, key = result.setting.split(".")
    comments = [
        f"# Written by `make calibrate`: {key} solved so that the average pay growth (docs/rules.md) over",
        f"# {result.start_year}-{result.end_year} is {result.target:.4%} (reached {solved.growth:.4%}, "
        f"tolerance {result.tolerance:.4%}).",
        f"# Report: {shown_path(report_out)}",
    ]
    description = f"{result.scenario_id} with {key} {solved.scale:g} (pay growth {result.target:.2%})"
    result.scenario_file = write_calibrated(
        base_scenario, result.scenario_id, (result.start_year, result.end_year), result.census, comments,
        description, [f"{group}:", f"  {key}: {solved.scale!r}", ""], scenario_out)
    result.report = write_report(report_out, report_markdown(result))


def write_calibrated(base_scenario: str, scenario_id: str, years: tuple[int, int], census: Path,
                     comments: list[str], description: str, body: list[str], scenario_out: Path | None) -> Path:
    """scenarios/<scenario_id>_calibrated.yml (or scenario_out): the comments, `extends:` the scenario, its own
    id and description, the horizon and census when they differ from the scenario's, then the body lines."""
    path = scenario_file(base_scenario)
    name = f"{scenario_id}_calibrated"
    scenario_out = scenario_out or SCENARIO_DIR / f"{name}.yml"
    parent = path.stem if path.parent == SCENARIO_DIR and scenario_out.parent.resolve() == SCENARIO_DIR else str(path)
    base = resolve(path, {})
    lines = [*comments, f"extends: {parent}", f"scenario_id: {name}", f"description: {description}"]
    if years[0] != base.start_year:
        lines.append(f"start_year: {years[0]}")
    if years[1] != base.end_year:
        lines.append(f"end_year: {years[1]}")
    if str(census) != str(base.census):
        lines.append(f"census_path: {census}")
    scenario_out.parent.mkdir(parents=True, exist_ok=True)
    scenario_out.write_text("\n".join([*lines, *body]))
    return scenario_out


def write_report(report_out: Path, text: str) -> Path:
    report_out.parent.mkdir(parents=True, exist_ok=True)
    report_out.write_text(text)
    return report_out


def report_markdown(result: Calibration) -> str:
    solved = result.solution
    rows = "\n".join(
        f"| {i} | {e.scale:.6f} | {e.growth:.4%} | {e.growth - result.target:+.4%} | {e.census_pay:,.2f} | "
        f"{e.end_pay:,.2f} | {e.seconds:.1f} |" for i, e in enumerate(result.evaluations, 1))
    years = result.end_year - result.start_year + 1
    return f"""# Calibration of {result.scenario_id}: `{result.setting}`

Target average pay growth {result.target:.4%} a year over {result.start_year}-{result.end_year} ({years} years),
tolerance {result.tolerance:.4%} (0.05 percentage points). Census: `{result.census.name}`.

**Solution: `{result.setting}` = {solved.scale!r}**, average pay growth {solved.growth:.4%}
({solved.replications} replication{'s' if solved.replications != 1 else ''}; mean annual pay of the census actives
{solved.census_pay:,.2f}, of the Dec 31 actives of {result.end_year} {solved.end_pay:,.2f}).

Average pay growth = (mean annual_compensation of the Dec 31 actives of the end year / mean annual_compensation
of the staged census) ^ (1 / years) - 1, per replication, then the mean over the replications (docs/rules.md).

Every evaluation is one simulation of every year with the scenario's seed, into a scratch database. The
bracket [{result.bracket[0]:g}, {result.bracket[1]:g}] is simulated first; Brent's method
(scipy.optimize.brentq) then searches inside it, stopping at the first evaluation within the tolerance.

| # | scale | growth | minus target | census mean pay | end-year mean pay | seconds |
|---|---|---|---|---|---|---|
{rows}

{len(result.evaluations)} simulations, {result.seconds:.1f} s in all.
"""


def shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(SCENARIO_DIR.parent))
    except ValueError:
        return str(path)
