"""`planalign bench` and `planalign bench-compare`: the project's performance record.

For each census size, `bench` takes a deterministic census cached in bench/census_<n>_<seed>.parquet
(bench/ is gitignored; a census is generated once per size and seed, then reused) and runs
`python -m scripts.cli simulate` on it exactly as `make simulate` does (the baseline scenario and plan
design, workforce + plan + tests), into a new database under bench/ that is deleted afterwards. While
the CLI runs, the RSS of its process and of all its descendants is summed every 50 ms (psutil). The run
log the dbt hooks write into that database then gives the dbt invocations, the seconds spent inside
nodes (SQL) and tests, and when each year ended, however dbt is invoked. One row per run is appended
to benchmarks/results.csv (scripts/bench_results.py) and the runs are printed as a Markdown table.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

import click
import psutil
import yaml

from scripts import bench_results, db, dbt_runner
from scripts.census import write_census
from scripts.errors import PlanAlignError
from scripts.paths import DEFAULT_SCENARIO, PROJECT_ROOT

BENCH_DIR = PROJECT_ROOT / "bench"
# every run simulates into a new folder, under this file name (the relations' catalog name, part of the parse)
BENCH_DATABASE_NAME = Path("bench.duckdb")
CENSUS_AS_OF = dt.date(2024, 12, 31)
SAMPLE_SECONDS = 0.05
MIB = 2**20


class TreeMemory:
    """Peak RSS of a process plus all its descendants (summed), and of the largest single process,
    sampled every SAMPLE_SECONDS in a thread while the `with` block runs."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS):
        self.root = psutil.Process(pid)
        self.interval = interval
        self.tree_peak = 0
        self.largest_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                return

    def sample(self) -> None:
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:  # the CLI has exited
            return
        sizes = []
        for process in processes:
            try:
                sizes.append(process.memory_info().rss)
            except psutil.Error:  # exited between the listing and the reading
                continue
        if sizes:
            self.tree_peak = max(self.tree_peak, sum(sizes))
            self.largest_peak = max(self.largest_peak, max(sizes))


def cached_census(n: int, seed: int) -> Path:
    census = BENCH_DIR / f"census_{n}_{seed}.parquet"
    if census.exists():
        click.echo(f"bench: census {census.relative_to(PROJECT_ROOT)} (cached)")
        return census
    started = time.monotonic()
    write_census(n, seed, census, CENSUS_AS_OF)
    click.echo(f"bench: census {census.relative_to(PROJECT_ROOT)} generated in {time.monotonic() - started:.1f} s "
               "(kept for the next runs; bench/ is gitignored)")
    return census


def _scenario_file(folder: Path, census: Path, years: int, replications: int) -> Path:
    scenario = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    scenario.update({"scenario_id": "bench", "census_path": str(census), "replications": replications,
                     "end_year": scenario["start_year"] + years - 1})
    path = folder / "bench.yml"
    path.write_text(yaml.safe_dump(scenario))
    return path


def _error_line(stdout: str, stderr: str) -> str:
    """The CLI's own error (and hint) as one line, else its last line of output."""
    lines = [line.strip() for line in (stderr + "\n" + stdout).splitlines() if line.strip()]
    error = next((i for i, line in enumerate(lines) if line.startswith("error:")), None)
    if error is None:
        return lines[-1] if lines else "no output"
    hint = lines[error + 1] if error + 1 < len(lines) and lines[error + 1].startswith("hint:") else ""
    return " ".join(f"{lines[error].removeprefix('error:').strip()}; {hint}".split()).rstrip("; ")


def year_seconds(started_at: float, year_ends: list[tuple[int, float]]) -> list[float]:
    """Wall seconds per simulated year: from the start of the CLI (the first year) or the end of the
    previous year's last dbt invocation, to the end of this year's."""
    marks = [started_at, *(end for _, end in year_ends)]
    return [after - before for before, after in zip(marks, marks[1:], strict=False)]


def simulate(census: Path, years: int, replications: int, label: str) -> dict[str, object]:
    """One `planalign simulate` in a fresh database: the measures of the run (raises PlanAlignError if it failed)."""
    BENCH_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=BENCH_DIR, prefix="run_") as name:
        folder = Path(name)
        scenario = _scenario_file(folder, census, years, replications)
        database = folder / BENCH_DATABASE_NAME
        stdout, stderr = folder / "stdout.txt", folder / "stderr.txt"
        env = dict(os.environ, PLANALIGN_DB=str(database))
        command = [sys.executable, "-m", "scripts.cli", "simulate", "--scenario", str(scenario)]
        started_at, started = time.time(), time.monotonic()
        with stdout.open("w") as out, stderr.open("w") as err:
            process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=err)
            try:
                with TreeMemory(process.pid) as memory:
                    returncode = process.wait()
            finally:
                if process.poll() is None:  # interrupted: leave no simulation behind
                    process.kill()
                    process.wait()
        wall = time.monotonic() - started
        if returncode != 0:
            log = BENCH_DIR / f"failed_{census.stem.removeprefix('census_')}_{years}y.log"
            log.write_text(stdout.read_text() + stderr.read_text())
            raise PlanAlignError(f"bench: {label} failed (simulate exited {returncode}): "
                                 f"{_error_line(stdout.read_text(), stderr.read_text())} "
                                 f"(output: {log.relative_to(PROJECT_ROOT)})", exit_code=1)
        with db.read_only(database) as con:
            measures = {**db.bench_node_time(con), **db.bench_rows_written(con)}
            ends = db.bench_year_ends(con)
        size = sum(path.stat().st_size for path in (database, database.with_name(database.name + ".wal"))
                   if path.exists())
    sql, tests = measures["sql_seconds"], measures["test_seconds"]
    return {
        **measures,
        "wall_seconds": round(wall, 2),
        "year_seconds": "/".join(f"{seconds:.1f}" for seconds in year_seconds(started_at, ends)),
        "sql_seconds": round(sql, 2),
        "other_seconds": round(wall - sql, 2),
        "non_sql_share": round((wall - sql) / wall, 3),
        "test_seconds": round(tests, 2),
        "test_share": round(tests / wall, 3),
        "peak_rss_tree_mib": round(memory.tree_peak / MIB),
        "peak_rss_largest_mib": round(memory.largest_peak / MIB),
        "database_mib": round(size / MIB, 1),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, object]:
    """The machine and software a row was measured on (cores: logical CPUs)."""
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "duckdb": _version("duckdb"),
        "dbt_core": _version("dbt-core"),
        "planalign_threads": os.environ.get("PLANALIGN_THREADS", ""),
        "planalign_memory_limit": os.environ.get("PLANALIGN_MEMORY_LIMIT", ""),
        "planalign_dbt_threads": os.environ.get("PLANALIGN_DBT_THREADS", ""),
        "planalign_dbt_log_level": os.environ.get("PLANALIGN_DBT_LOG_LEVEL", ""),
        "planalign_keep_intermediate": os.environ.get("PLANALIGN_KEEP_INTERMEDIATE", ""),
    }


def git_state() -> dict[str, object]:
    """The commit measured, and whether tracked files (the benchmark record aside) differ from it."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10)

    try:
        sha = git("rev-parse", "--short=12", "HEAD")
        status = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)benchmarks")
    except (OSError, subprocess.SubprocessError):
        return {"git_sha": "unknown", "git_dirty": ""}
    if sha.returncode != 0:
        return {"git_sha": "unknown", "git_dirty": ""}
    return {"git_sha": sha.stdout.strip(), "git_dirty": int(bool(status.stdout.strip()))}


def parse_sizes(values: tuple[str, ...]) -> list[int]:
    sizes = []
    for value in values:
        try:
            size = int(value.replace("_", "").replace(",", ""))
        except ValueError:
            size = 0
        if size < 1:
            raise PlanAlignError(f"bench: a census size must be a whole number of employees of at least 1, got "
                                 f"'{value}' (e.g. make bench SIZES=\"10000 100000\")")
        sizes.append(size)
    return sizes


results_option = click.option(
    "--results", type=click.Path(dir_okay=False, path_type=Path), envvar="PLANALIGN_BENCH_RESULTS",
    default=bench_results.DEFAULT_RESULTS, show_default="benchmarks/results.csv",
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
    dbt_runner.save_parse(BENCH_DATABASE_NAME)
    try:
        for n in counts:
            label = f"{n:,} employees x {years} years" + (f" x {replications} replications" if replications else "")
            census = cached_census(n, seed)
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
