"""`calibrate --solve level_mix`: the new-hire level mix that keeps the level mix stable at zero growth.

Stable means: with workforce.target_growth_rate forced to 0, each level's share of the Dec 31 actives of the
horizon's last year equals its share of the Jan 1 workforce of the first year (the census actives) within
TOLERANCE (0.5 percentage points), counted over all of the run's replications together.

Why a mix exists, and how it is found: at zero growth the headcount, the experienced terminations, the number of
hires and of new-hire terminations do not depend on the mix (docs/rules.md, headcount arithmetic); only the level
each hire joins does. Per level k over the horizon, end_k = start_k + hires_k - terminations_k + promotions
in_k - promotions out_k, and the total end equals the total start, so the level holds its share when its hires
replace its net outflow (terminations + promotions out - promotions in). Moving a share d of the H hires into
level k adds about d x H x rho people to its Dec 31 count, rho being the share of the horizon's hires still
active then. So the fixed-point step is w_k <- w_k + (start share_k x end total - end_k) / (rho x H), each step
a real simulation with the scenario's seed (common random numbers: every hire keeps its draw `hire_level`, only
the level thresholds move), until every share is within the tolerance. A step that asks for a negative weight
means the level gains more by promotion than it loses by terminations and promotions out even without hires:
no mix holds it, and that is refused in one line.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from planalign.engine.calibrate import resolve_horizon, shown_path, simulate_and_measure, write_calibrated, write_report
from planalign.engine.config import resolve
from planalign.errors import PlanAlignError
from planalign.store import history as store

SETTING = "workforce.target_growth_rate"
TOLERANCE = 0.005  # 0.5 percentage points of the workforce, per level
MAX_EVALUATIONS = 8
WEIGHT_STEP = Decimal("0.000001")  # new_hire_weight has 6 decimals (seeds/_seeds.yml)
FLOWS = ("start", "hires", "terminations", "promotions_in", "promotions_out", "end", "hires_kept")


@dataclass(frozen=True)
class MixEvaluation:
    weights: dict[int, Decimal]  # the new_hire_weight simulated, by level
    flows: dict[int, dict[str, int]]  # store.level_flows
    seconds: float

    def total(self, flow: str) -> int:
        return sum(counts.get(flow, 0) for counts in self.flows.values())

    def share(self, level: int, flow: str) -> float:
        total = self.total(flow)
        return self.flows.get(level, {}).get(flow, 0) / total if total else 0.0

    def gap(self, level: int) -> float:
        """The level's end share minus its start share."""
        return self.share(level, "end") - self.share(level, "start")

    @property
    def residual(self) -> float:
        return max(abs(self.gap(level)) for level in self.weights)


@dataclass
class LevelMixCalibration:
    scenario_id: str
    tolerance: float
    start_year: int
    end_year: int
    census: Path
    levels: dict[int, str]  # level -> level_name
    job_levels: list[dict[str, str]]  # the scenario's job_levels rows as text
    assumptions: dict[str, Any]  # the scenario's `assumptions:` as {folder, tables}; with_job_levels adds job_levels
    evaluations: list[MixEvaluation] = field(default_factory=list)
    solution: MixEvaluation | None = None
    seconds: float = 0.0
    scenario_file: Path | None = None
    report: Path | None = None

    @property
    def uncalibrated(self) -> MixEvaluation:
        return self.evaluations[0]


def rounded_weights(raw: dict[int, float]) -> dict[int, Decimal]:
    """Weights with 6 decimals summing to exactly 1: each rounded, the rounding left over on the largest."""
    weights = {level: Decimal(repr(value)).quantize(WEIGHT_STEP, rounding=ROUND_HALF_EVEN) for level, value
               in raw.items()}
    largest = max(weights, key=lambda level: (weights[level], -level))
    weights[largest] += Decimal(1) - sum(weights.values())
    return weights


def job_level_rows(rows: list[dict[str, str]], weights: dict[int, Decimal]) -> list[dict[str, str]]:
    return [{**row, "new_hire_weight": str(weights[int(row["job_level"])])} for row in rows]


def next_weights(result: LevelMixCalibration, evaluation: MixEvaluation) -> dict[int, Decimal]:
    """One fixed-point step (module docstring). A level whose step goes below 0 gets no hires; one that had none
    and still ends above its start share is refused: no mix holds it."""
    hires, kept = evaluation.total("hires"), evaluation.total("hires_kept")
    if hires == 0 or kept == 0:
        raise PlanAlignError(f"no hire of {result.start_year}-{result.end_year} is still active at the end at zero "
                             "growth: the new-hire mix moves nothing", hint="use a horizon of more years, or a "
                                                                            "scenario with terminations")
    end_total = evaluation.total("end")
    raw = {}
    for level, weight in evaluation.weights.items():
        counts = evaluation.flows.get(level, {})
        # the level's own hire survival (its hires' terminations differ by level); the pooled one without hires
        rho = counts["hires_kept"] / counts["hires"] if counts.get("hires_kept") else kept / hires
        gap = evaluation.share(level, "start") * end_total - counts.get("end", 0)
        raw[level] = max(float(weight) + gap / (rho * hires), 0.0)
        if raw[level] == 0 and weight == 0 and evaluation.gap(level) > result.tolerance:
            raise PlanAlignError(
                f"no new-hire level mix keeps the level mix stable over {result.start_year}-{result.end_year}: "
                f"with no hires at all, level {level} ({result.levels[level]}) still goes from "
                f"{evaluation.share(level, 'start'):.2%} to {evaluation.share(level, 'end'):.2%} of the workforce "
                f"({counts.get('promotions_in', 0)} promotions in against {counts.get('terminations', 0)} "
                f"terminations and {counts.get('promotions_out', 0)} promotions out); it would need a negative share",
                hint="promotions into that level outweigh its exits: lower its rows in promotion_transitions or "
                     "raise its termination_base_rate (assumptions:), or accept the drift")
    total = sum(raw.values())
    return rounded_weights({level: weight / total for level, weight in raw.items()})


def calibrate_level_mix(scenario_name: str, census: str | None = None, start: int | None = None,
                        end: int | None = None, count: int | None = None, sets: Sequence[str] = (),
                        tolerance: float = TOLERANCE,
                        on_evaluation: Callable[[MixEvaluation], None] | None = None,
                        work: Path | None = None) -> LevelMixCalibration:
    """Solve the new-hire level mix (job_levels.new_hire_weight) that holds the level mix at zero growth."""
    if not 0 < tolerance < 1:
        raise PlanAlignError(f"the tolerance {tolerance} is not a share between 0 and 1 (e.g. 0.005)")
    if any(assignment.split("=", 1)[0].strip() == SETTING for assignment in sets):
        raise PlanAlignError(f"SET gives {SETTING}; the level mix is solved at zero growth",
                             hint=f"drop {SETTING} from SET")
    if any(assignment.split("=", 1)[0].strip().startswith("assumptions") for assignment in sets):
        raise PlanAlignError("SET gives assumptions; calibrate writes the job_levels table itself",
                             hint="put the scenario's own tables in its file (assumptions:) and drop them from SET")
    path, options, base = resolve_horizon(scenario_name, census, start, end, count, sets)
    first, last = base.start_year, base.end_year
    spec = base.scenario.assumptions
    assumptions: dict[str, Any] = ({"folder": spec} if isinstance(spec, str)
                                   else {key: value for key, value in (spec or {}).items()})
    assumptions["tables"] = dict(assumptions.get("tables") or {})
    rows = base.assumptions.rows("job_levels")
    levels = {int(row["job_level"]): row["level_name"] for row in rows}
    result = LevelMixCalibration(base.scenario_id, tolerance, first, last, base.census, levels, rows, assumptions)
    weights = {int(row["job_level"]): Decimal(row["new_hire_weight"]) for row in rows}
    growth = [*sets, f"{SETTING}=0"]
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="planalign_calibrate_", dir=work) as scratch:
        while True:
            if len(result.evaluations) >= MAX_EVALUATIONS:
                best = min(result.evaluations, key=lambda e: e.residual)
                raise PlanAlignError(
                    f"no new-hire level mix within {tolerance:.2%} of the start mix after {MAX_EVALUATIONS} "
                    f"simulations (the closest was {best.residual:.2%} off)",
                    hint="the level counts are too small to hold each share this closely: try a larger census, "
                         "or a looser tolerance (--mix-tolerance)", exit_code=1)
            effective = resolve(path, {**options, "assumptions": with_job_levels(result, weights)}, growth)
            clock = time.monotonic()
            flows = simulate_and_measure(effective, Path(scratch), len(result.evaluations) + 1,
                                         lambda con, key=effective.key: store.level_flows(con, key, first, last))
            evaluation = MixEvaluation(weights, flows, round(time.monotonic() - clock, 1))
            result.evaluations.append(evaluation)
            if on_evaluation is not None:
                on_evaluation(evaluation)
            if evaluation.residual <= tolerance:
                result.solution = evaluation
                break
            weights = next_weights(result, evaluation)
    result.seconds = round(time.monotonic() - began, 1)
    return result


def with_job_levels(result: LevelMixCalibration, weights: dict[int, Decimal]) -> dict[str, Any]:
    """The scenario's `assumptions:` with its job_levels inline, new_hire_weight set to `weights`."""
    return {**result.assumptions, "tables": {**result.assumptions["tables"],
                                             "job_levels": job_level_rows(result.job_levels, weights)}}


def write_level_mix_outputs(result: LevelMixCalibration, base_scenario: str, scenario_out: Path | None,
                            report_out: Path) -> None:
    """The calibrated scenario (extends the scenario; its job_levels inline with the solved new_hire_weight)
    and the Markdown report."""
    solved = result.solution
    spec = with_job_levels(result, solved.weights)
    comments = [
        "# Written by `make calibrate SOLVE=level_mix`: job_levels.new_hire_weight solved so that, at zero growth,",
        f"# each level's share of the workforce at the end of {result.end_year} is its share at the start of "
        f"{result.start_year}",
        f"# within {result.tolerance:.2%} (reached {solved.residual:.2%}). Report: {shown_path(report_out)}",
    ]
    body = ["assumptions:"]
    if spec.get("folder"):
        body.append(f"  folder: {_yaml_text(spec['folder'])}")
    body.append("  tables:")
    for table, table_rows in spec["tables"].items():
        body.append(f"    {table}:")
        for row in table_rows:
            cells = ", ".join(f"{column}: {_yaml_text(value)}" for column, value in row.items())
            body.append(f"      - {{{cells}}}")
    result.scenario_file = write_calibrated(
        base_scenario, result.scenario_id, (result.start_year, result.end_year), result.census, comments,
        f"{result.scenario_id} with the new-hire level mix that holds the level mix at zero growth", [*body, ""],
        scenario_out)
    result.report = write_report(report_out, report_markdown(result))


def _yaml_text(value: Any) -> str:
    """A cell for the YAML flow mapping: numbers as written, anything else double-quoted (JSON is YAML)."""
    text = str(value)
    try:
        Decimal(text)
        return text
    except ArithmeticError:
        return json.dumps(text)


def report_markdown(result: LevelMixCalibration) -> str:
    solved, first = result.solution, result.uncalibrated
    levels = sorted(result.levels)
    mix = "\n".join(
        f"| {level} | {result.levels[level]} | {solved.share(level, 'start'):.2%} | {first.share(level, 'end'):.2%} "
        f"| {first.gap(level):+.2%} | {solved.share(level, 'end'):.2%} | {solved.gap(level):+.2%} | "
        f"{first.weights[level]:.6f} | {solved.weights[level]:.6f} |" for level in levels)
    steps = "\n".join(
        f"| {i} | {' / '.join(f'{e.weights[level]:.4f}' for level in levels)} | {e.residual:.2%} | {e.seconds:.1f} |"
        for i, e in enumerate(result.evaluations, 1))
    flows = "\n".join(
        f"| {level} | " + " | ".join(str(solved.flows.get(level, {}).get(flow, 0)) for flow in FLOWS) + " |"
        for level in levels)
    years = f"{result.start_year}-{result.end_year}"
    return f"""# Calibration of {result.scenario_id}: the new-hire level mix

Goal: at zero growth (`workforce.target_growth_rate` = 0), each level's share of the Dec 31 actives of
{result.end_year} equals its share of the Jan 1 workforce of {result.start_year} (the census actives) within
{result.tolerance:.2%}. Census: `{result.census.name}`. Solved: `job_levels.new_hire_weight`.

**Solved in {len(result.evaluations)} simulations ({result.seconds:.1f} s): the largest gap between a level's end
share and its start share is {solved.residual:.2%} (residual, in points of the workforce), against
{first.residual:.2%} with the scenario's own mix.**

| level | name | start share | end share, own mix | drift | end share, solved mix | drift | own hire mix | \
solved hire mix |
|---|---|---|---|---|---|---|---|---|
{mix}

Each evaluation is one simulation of {years} at zero growth with the scenario's seed, into a scratch database.
At zero growth only the level each hire joins depends on the mix, so per level the hires must replace the net
outflow (terminations + promotions out - promotions in). Each step moves the hire mix by each level's gap
(start share x end headcount - end headcount of the level), divided by the hires that are still active at the end
(fixed-point iteration with common random numbers; docs/rules.md, "New-hire level mix at zero growth").

| # | hire mix (levels {' / '.join(str(level) for level in levels)}) | residual | seconds |
|---|---|---|---|
{steps}

Flows of the solved run, {years}, all replications (start + hires - terminations + promotions in - promotions out
= end; hires kept: the horizon's hires still active at the end, by the level they were hired at):

| level | start | hires | terminations | promotions in | promotions out | end | hires kept |
|---|---|---|---|---|---|---|---|
{flows}

The solved mix holds the shares for this census, seed and horizon. Another seed draws other people: expect
gaps of about the size of the uncertainty of a count of that level (one person is
{1 / max(solved.total('end'), 1):.2%} of this workforce).
"""
