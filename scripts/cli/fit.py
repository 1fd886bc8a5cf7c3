"""`planalign fit`: the engine's assumptions fitted from a sponsor's yearly census history."""

from __future__ import annotations

from pathlib import Path

import click

from planalign.fit import fit_history
from planalign.paths import PROJECT_ROOT


@click.command("fit")
@click.argument("history", nargs=-1, type=click.Path(path_type=Path))
@click.option("--name", required=True, help="the fit's name: assumptions/<name>/, scenarios/<name>.yml")
@click.option("--force", is_flag=True, help="replace an existing fit of that name")
@click.option("--census-sheet", "sheet", default=None,
              help="the sheet of .xlsx snapshots (default: each workbook's first sheet)")
@click.option("--pay-band-increase", type=click.FloatRange(-0.1, 0.2), default=None,
              help="yearly movement of the pay bands over the history (default: the shipped "
                   "workforce.pay_band_increase)")
def fit_command(history: tuple[Path, ...], name: str, force: bool, sheet: str | None,
                pay_band_increase: float | None) -> None:
    """Fit the assumptions from 2 or more yearly snapshots (census_2023.csv census_2024.xlsx ...)."""
    result = fit_history(list(history), name, force=force, sheet=sheet, pay_band_increase=pay_band_increase)
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
