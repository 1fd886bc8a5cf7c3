"""`planalign bench` and `planalign bench-compare`: the commands of the performance record (planalign.bench)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from planalign.bench import results as bench_results
from planalign.bench.run import BENCH_DATABASE_NAME, cached_census, git_state, machine, parse_sizes, simulate
from planalign.dbt import runner
from planalign.errors import PlanAlignError
from planalign.paths import PROJECT_ROOT

results_option = click.option(
    "--results", type=click.Path(dir_okay=False, path_type=Path),
    default=bench_results.results_path, show_default="benchmarks/results.csv",
    help="the record to append to / read (env PLANALIGN_BENCH_RESULTS)")


@click.command("bench")
@click.option("--n", "sizes", multiple=True, default=("10000", "100000"), show_default=True,
              help="employees in the census; repeat for several sizes")
@click.option("--years", type=int, default=5, show_default=True, help="years to simulate")
@click.option("--seed", type=int, default=7, show_default=True, help="census seed")
@click.option("--replications", type=int, default=0, show_default=True,
              help="Monte Carlo replications simulated together (0: the single run)")
@click.option("--notes", default="", help="free text stored with each row (e.g. 'machine busy')")
@results_option
def bench_command(sizes: tuple[str, ...], years: int, seed: int, replications: int, notes: str,
                  results: Path) -> None:
    """Time and measure a full YEARS-year simulation of each census size; append the rows to the record."""
    counts = parse_sizes(sizes)
    if years < 1 or replications < 0:
        raise PlanAlignError(f"bench: YEARS must be at least 1 and REPLICATIONS at least 0, got {years} and "
                             f"{replications}")
    stamp = {**git_state(), **machine()}
    done: list[dict[str, object]] = []
    click.echo("bench: parsing the project first, untimed (each run then loads dbt's saved parse, as a run does "
               "when an earlier one on a database of the same file name saved it)")
    runner.save_parse(BENCH_DATABASE_NAME)
    try:
        for n in counts:
            label = f"{n:,} employees x {years} years" + (f" x {replications} replications" if replications else "")
            census, generated = cached_census(n, seed)
            click.echo(f"bench: census {census.relative_to(PROJECT_ROOT)} " + (
                "(cached)" if generated is None else
                f"generated in {generated:.1f} s (kept for the next runs; bench/ is gitignored)"))
            click.echo(f"bench: {label}: simulating ...")
            load = f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
            row = {"date_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), **stamp,
                   "employees": n, "years": years, "replications": replications, "census_seed": seed,
                   **simulate(census, years, replications, label), "load_1m": load, "notes": notes}
            bench_results.append_row(results, row)
            done.append(row)
            click.echo(f"bench: {label}: wall {row['wall_seconds']:.1f} s, peak RSS {row['peak_rss_tree_mib']:,} MiB")
    finally:
        if done:
            click.echo("\n" + bench_results.run_table(done) + "\n")
            click.echo(f"measured on: {bench_results.machine_line(done[0])}")
            click.echo(f"appended {len(done)} row(s) to {results}")


@click.command("bench-compare")
@results_option
def bench_compare_command(results: Path) -> None:
    """Per census size: the latest benchmark row beside the previous one of the same size and years."""
    rows = bench_results.read_rows(results)
    table = bench_results.compare_table(rows)
    if table is None:
        raise PlanAlignError(f"bench-compare: {results} has no census size measured twice with the same years "
                             f"({len(rows)} row(s))", hint="run make bench again, then make bench-compare")
    click.echo(table)
