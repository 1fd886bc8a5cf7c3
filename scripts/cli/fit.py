"""`planalign fit`: the engine's assumptions fitted from a sponsor's yearly census history."""

from __future__ import annotations

from pathlib import Path

import click

from planalign.cli.console import Console
from planalign.paths import PROJECT_ROOT

# planalign.fit loads statsmodels and scipy (about a second): imported in the commands that use it, so that every
# other command starts without it
GROWTHS = ("observed", "fitted")  # planalign.fit.backtest checks the same choices (a unit test holds them equal)


@click.command("fit")
@click.argument("history", nargs=-1, type=click.Path(path_type=Path))
@click.option("--name", required=True, help="the fit's name: assumptions/<name>/, scenarios/<name>.yml")
@click.option("--force", is_flag=True, help="replace an existing fit of that name")
@click.option("--census-sheet", "sheet", default=None,
              help="the sheet of .xlsx snapshots (default: each workbook's first sheet)")
@click.option("--pay-band-increase", type=click.FloatRange(-0.1, 0.2), default=None,
              help="yearly movement of the pay bands over the history (default: the shipped "
                   "workforce.pay_band_increase)")
@click.option("--history-plan", default=None,
              help="the seeded plan design the history's deferral rates were chosen under (default: the baseline "
                   "scenario's census_plan_design)")
def fit_command(history: tuple[Path, ...], name: str, force: bool, sheet: str | None,
                pay_band_increase: float | None, history_plan: str | None) -> None:
    """Fit the assumptions from 2 or more yearly snapshots (census_2023.csv census_2024.xlsx ...)."""
    from planalign.fit import fit_history

    result = fit_history(list(history), name, force=force, sheet=sheet, pay_band_increase=pay_band_increase,
                         history_plan=history_plan)
    h = result.history
    click.echo(f"history: {len(h.snapshots)} snapshots {h.years[0]}-{h.years[-1]}, {h.person_years:,} person-years, "
               f"{h.leavers_by_date + h.leavers_by_absence:,} leavers; convention: {h.convention}")
    if h.flagged:
        click.echo(f"flagged: {len(h.flagged):,} rows new in a snapshot without a hire date in the year before "
                   "(listed in the report, kept out of the new-hire statistics)")
    for note in result.notes:
        click.echo(f"note: {note}")
    click.echo(f"estimates: {len(result.estimates)} ({result.pooled} pooled toward their parent or shrunk toward "
               f"their default); {result.seconds:.1f} s")
    outputs = result.outputs
    for path in (outputs.assumptions, outputs.scenario, outputs.report / "fit.html"):
        click.echo(f"wrote {path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path}")
    click.echo(f"next: make simulate SCENARIO={name}")


@click.command("backtest")
@click.argument("history", nargs=-1, type=click.Path(path_type=Path))
@click.option("--holdout", type=int, default=1, show_default=True, help="the last snapshots held out")
@click.option("--replications", type=int, default=20, show_default=True, help="Monte Carlo replications (2 or more)")
@click.option("--name", default="backtest", show_default=True, help="the backtest's name: reports/backtest/<name>/")
@click.option("--growth", type=click.Choice(GROWTHS), default="observed", show_default=True,
              help="observed: each held-out year's actual headcount growth; fitted: the fitted growth")
@click.option("--seed", type=int, default=None, help="random_seed of the simulation (default: the fitted scenario's)")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="the backtest's folder (default reports/backtest/<name>/)")
@click.option("--scenario", "scenario", default=None,
              help="simulate this scenario's assumptions instead of fitting (e.g. the one census-history used: "
                   "the true assumptions)")
def backtest_command(history: tuple[Path, ...], holdout: int, replications: int, name: str, growth: str,
                     seed: int | None, out: Path | None, scenario: str | None) -> None:
    """Fit on the earlier snapshots, simulate the last HOLDOUT years, score prediction against what happened."""
    how = (f"the assumptions of scenario {scenario} (nothing fitted), from the last training snapshot" if scenario
           else "fitting the earlier snapshots")
    click.echo(f"backtest '{name}': {how}, then {replications} replications of the last {holdout} of "
               f"{len(history)} snapshots")
    from planalign.fit.backtest import backtest
    from planalign.fit.scorecard import BAND_KIND

    result = backtest(list(history), holdout, replications, name, growth, seed, out, observer=Console(),
                      scenario=scenario)
    inside, total = result.coverage
    rates = ", ".join(f"{year}: {rate:.4%}" for year, rate in result.growth_rates.items())
    click.echo(f"trained on {', '.join(s.path.name for s in result.training)}; held out "
               f"{', '.join(s.path.name for s in result.held_out)}; growth {growth} ({rates})")
    for note in result.notes:
        click.echo(f"note: {note}")
    click.echo(f"inside the P10-P90 band: {inside} of {total} metrics ({inside / total:.0%}; band of "
               f"{BAND_KIND}); fit {result.seconds['fit']:.1f} s, simulation {result.seconds['simulate']:.1f} s, "
               f"scoring {result.seconds['score']:.1f} s")
    for path in result.scorecard.values():
        click.echo(f"wrote {path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path}")
