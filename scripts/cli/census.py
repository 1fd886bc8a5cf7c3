"""`planalign census`: write a deterministic synthetic census."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from planalign.engine.census import write_census
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
