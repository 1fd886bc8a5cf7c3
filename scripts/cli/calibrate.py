"""`planalign calibrate`: solve the merit or COLA scale for a target average pay growth, or the new-hire level
mix that keeps the level mix stable at zero growth."""

from __future__ import annotations

from pathlib import Path

import click

from planalign.cli import options
from planalign.engine.calibrate import BRACKETS, Evaluation, calibrate, write_outputs
from planalign.engine.level_mix import TOLERANCE, MixEvaluation, calibrate_level_mix, write_level_mix_outputs
from planalign.errors import PlanAlignError
from planalign.paths import PROJECT_ROOT


@click.command("calibrate")
@options.scenario
@options.census
@click.option("--target-pay-growth", "target", type=float, default=None,
              help="average pay growth a year over the horizon, as a fraction (0.035); for merit and cola")
@click.option("--solve", type=click.Choice(["merit", "cola", "level_mix"]), default="merit", show_default=True,
              help="merit: workforce.merit_scale; cola: workforce.cola_scale; level_mix: job_levels.new_hire_weight "
                   "that keeps the level mix stable at zero growth")
@click.option("--mix-tolerance", type=float, default=TOLERANCE, show_default=True,
              help="level_mix: the largest gap allowed between a level's end and start share")
@click.option("--start", type=int, default=None, help="first year (default: the scenario's start_year)")
@click.option("--end", type=int, default=None, help="last year (default: the scenario's end_year)")
@click.option("--years", "count", type=int, default=None, help="number of years from START (instead of END)")
@click.option("--low", type=float, default=None, help="low end of the bracket (default 0)")
@click.option("--high", type=float, default=None, help="high end of the bracket (default 3 for merit, 4 for cola)")
@click.option("--scenario-out", type=click.Path(path_type=Path), default=None,
              help="calibrated scenario file (default scenarios/<scenario>_calibrated.yml)")
@click.option("--report-out", type=click.Path(path_type=Path), default=None,
              help="Markdown report (default reports/<scenario>/calibration_<solve>.md)")
@options.sets
def calibrate_command(scenario_name: str, census_path: str | None, target: float | None, solve: str,
                      mix_tolerance: float, start: int | None, end: int | None, count: int | None,
                      low: float | None, high: float | None, scenario_out: Path | None, report_out: Path | None,
                      sets: tuple[str, ...]) -> None:
    """Solve workforce.merit_scale (or cola_scale) so that the average pay growth meets a target, or (--solve
    level_mix) job_levels.new_hire_weight so that the level mix holds at zero growth."""
    if solve == "level_mix":
        if target is not None or low is not None or high is not None:
            raise PlanAlignError("SOLVE=level_mix takes no TARGET_PAY_GROWTH, LOW or HIGH",
                                 hint="its target is the census's own level mix, at zero growth")
        calibrate_mix(scenario_name, census_path, mix_tolerance, start, end, count, scenario_out, report_out, sets)
        return
    if target is None:
        raise PlanAlignError(f"SOLVE={solve} needs a target pay growth",
                             hint="e.g. make calibrate TARGET_PAY_GROWTH=0.035 (a fraction: 3.5% is 0.035)")
    def show(evaluation: Evaluation) -> None:
        click.echo(f"  scale {evaluation.scale:.6f}: average pay growth {evaluation.growth:.4%} "
                   f"({evaluation.growth - target:+.4%} from the target; {evaluation.seconds:.1f} s)")

    bracket = None
    if low is not None or high is not None:
        default_low, default_high = BRACKETS[solve]
        bracket = (default_low if low is None else low, default_high if high is None else high)
    click.echo(f"calibrating {solve} for an average pay growth of {target:.4%}: one simulation per evaluation")
    result = calibrate(scenario_name, target, solve, census_path, start, end, count, sets, bracket,
                       on_evaluation=show)
    report = report_out or PROJECT_ROOT / "reports" / result.scenario_id / f"calibration_{solve}.md"
    write_outputs(result, scenario_name, scenario_out, report)
    click.echo(f"solution: {result.setting} = {result.solution.scale!r} (growth {result.solution.growth:.4%}); "
               f"{len(result.evaluations)} simulations in {result.seconds:.1f} s")
    click.echo(f"scenario: {result.scenario_file}; report: {result.report}")


def calibrate_mix(scenario_name: str, census_path: str | None, tolerance: float, start: int | None, end: int | None,
                  count: int | None, scenario_out: Path | None, report_out: Path | None,
                  sets: tuple[str, ...]) -> None:
    def show(evaluation: MixEvaluation) -> None:
        mix = " / ".join(f"{weight:.4f}" for _, weight in sorted(evaluation.weights.items()))
        click.echo(f"  hire mix {mix}: largest share gap {evaluation.residual:.2%} ({evaluation.seconds:.1f} s)")

    click.echo("calibrating the new-hire level mix at zero growth: one simulation per evaluation")
    result = calibrate_level_mix(scenario_name, census_path, start, end, count, sets, tolerance, on_evaluation=show)
    report = report_out or PROJECT_ROOT / "reports" / result.scenario_id / "calibration_level_mix.md"
    write_level_mix_outputs(result, scenario_name, scenario_out, report)
    click.echo(f"solution: new_hire_weight {' / '.join(str(w) for _, w in sorted(result.solution.weights.items()))} "
               f"(largest share gap {result.solution.residual:.2%}, {result.uncalibrated.residual:.2%} with the "
               f"scenario's own mix); {len(result.evaluations)} simulations in {result.seconds:.1f} s")
    click.echo(f"scenario: {result.scenario_file}; report: {result.report}")
