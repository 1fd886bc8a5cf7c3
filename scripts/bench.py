"""`planalign bench`: wall time and peak memory of a multi-year run on a generated census."""

from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import yaml

from scripts.census import write_census
from scripts.paths import DEFAULT_SCENARIO, PROJECT_ROOT

BENCH_DIR = PROJECT_ROOT / "bench"


@click.command("bench")
@click.option("--n", "n", type=int, default=100_000, show_default=True, help="employees in the census")
@click.option("--years", type=int, default=5, show_default=True, help="years to simulate")
@click.option("--seed", type=int, default=7, show_default=True, help="census seed")
@click.option("--replications", type=int, default=0, show_default=True,
              help="Monte Carlo replications simulated together (0: the single run)")
def bench_command(n: int, years: int, seed: int, replications: int) -> None:
    """Generate a census of N employees and time a YEARS-year simulation of it."""
    BENCH_DIR.mkdir(exist_ok=True)
    census = BENCH_DIR / f"census_{n}_{seed}.parquet"
    if not census.exists():
        write_census(n, seed, census, dt.date(2024, 12, 31))
    scenario = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    scenario.update({"scenario_id": "bench", "census_path": str(census), "replications": replications,
                     "end_year": scenario["start_year"] + years - 1})
    with tempfile.TemporaryDirectory() as folder:
        scenario_file = Path(folder) / "bench.yml"
        scenario_file.write_text(yaml.safe_dump(scenario))
        database = Path(folder) / "bench.duckdb"
        env = dict(os.environ, PLANALIGN_DB=str(database))
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "scripts.cli", "simulate", "--scenario", str(scenario_file)],
                                cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
        wall = time.monotonic() - started
        click.echo(result.stdout)
        if result.returncode != 0:
            click.echo(result.stderr, err=True)
            raise SystemExit(result.returncode)
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        size_mib = database.stat().st_size / 2**20
    reps = f" x {replications} replications" if replications else ""
    line = (f"bench: {n:,} employees x {years} years{reps}: wall {wall:.1f}s, peak memory {peak_mib:,.0f} MiB "
            f"(largest process), database {size_mib:,.1f} MiB")
    click.echo(line)
    with (BENCH_DIR / "results.txt").open("a") as log:
        log.write(f"{time.strftime('%Y-%m-%d %H:%M')} {line}\n")
