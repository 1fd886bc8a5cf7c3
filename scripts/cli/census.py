"""`planalign census`: write a deterministic synthetic census."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from planalign.cli import options
from planalign.cli.console import Console
from planalign.engine.census import write_census
from planalign.engine.history import write_history
from planalign.paths import PROJECT_ROOT


@click.command("census")
@click.option("--n", "n", type=int, default=5000, show_default=True, help="number of employees")
@click.option("--seed", type=int, default=7, show_default=True, help="random seed")
@click.option("--out", type=click.Path(path_type=Path), default=PROJECT_ROOT / "data" / "census.csv",
              show_default=True, help="output file (.csv, .parquet or .xlsx)")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default="2024-12-31",
              show_default=True, help="census date: the day before the first simulated year")
def census_command(n: int, seed: int, out: Path, as_of: dt.datetime) -> None:
    """Write a deterministic synthetic census."""
    write_census(n, seed, out, as_of.date())
    click.echo(f"wrote {n:,} employees to {out}")


@click.command("census-history")
@click.option("--n", "n", type=int, default=20000, show_default=True, help="employees of the generated first census")
@click.option("--years", "count", type=int, default=4, show_default=True,
              help="census files to write: the generated one, then one per simulated year")
@click.option("--scenario", "scenario_name", default="baseline", show_default=True,
              help="scenario to simulate (its start_year is the first file's year)")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="a new or empty folder")
@click.option("--seed", type=int, default=7, show_default=True, help="seed of the generated census")
@click.option("--leavers", type=click.Choice(["dated", "absent"]), default="dated", show_default=True,
              help="dated: a file also lists the previous year's leavers with their termination date; "
                   "absent: leavers disappear")
@options.sets
def census_history_command(n: int, count: int, scenario_name: str, out: Path, seed: int, leavers: str,
                           sets: tuple[str, ...]) -> None:
    """Write yearly census files produced by simulating a scenario (for fitting and backtests)."""
    result = write_history(n, count, scenario_name, out, seed, leavers, sets, Console())
    for written in result.files:
        extra = f" (incl. {written.leavers:,} leavers)" if written.leavers else ""
        click.echo(f"wrote {written.path}: {written.rows:,} rows{extra}, the state on Jan 1, {written.year}")
    click.echo(f"truth: {result.truth}")
    if result.database is not None:
        click.echo(f"engine run: {result.database} (PLANALIGN_DB={result.database} make timeline EMPLOYEE=...)")
