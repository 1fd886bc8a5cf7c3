"""`planalign bench` and `planalign bench-compare`: the project's performance record.

For each census size, `bench` takes a deterministic census cached in bench/census_<n>_<seed>.parquet
(bench/ is gitignored; a census is generated once per size and seed, then reused) and runs
`python -m planalign simulate` on it exactly as `make simulate` does (the baseline scenario and plan
design, workforce + plan + tests), into a new database under bench/ that is deleted afterwards. While
the CLI runs, the RSS of its process and of all its descendants is summed every 50 ms (psutil). The run
log the dbt hooks write into that database then gives the dbt invocations, the seconds spent inside
nodes (SQL) and tests, and when each year ended, however dbt is invoked. One row per run is appended
to benchmarks/results.csv (planalign.bench.results) and the runs are printed as a Markdown table.
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

import psutil
import yaml

from planalign import settings
from planalign.engine.census import write_census
from planalign.engine.config import resolve
from planalign.errors import PlanAlignError
from planalign.paths import DEFAULT_SCENARIO, PROJECT_ROOT
from planalign.store import db

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


def cached_census(n: int, seed: int) -> tuple[Path, float | None]:
    """The bench census of this size and seed, and the seconds it took to generate (None: it was cached)."""
    census = BENCH_DIR / f"census_{n}_{seed}.parquet"
    if census.exists():
        return census, None
    started = time.monotonic()
    write_census(n, seed, census, CENSUS_AS_OF)
    return census, time.monotonic() - started


def _scenario_file(folder: Path, census: Path, years: int, replications: int) -> Path:
    baseline = resolve(DEFAULT_SCENARIO).scenario  # its defaults included (dbt_project.yml's vars)
    scenario = {"extends": str(DEFAULT_SCENARIO), "scenario_id": "bench", "description": baseline.description,
                "census_path": str(census), "replications": replications,
                "end_year": baseline.start_year + years - 1}
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
        command = [sys.executable, "-m", "planalign", "simulate", "--scenario", str(scenario)]
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
        # as set ('' when unset: the default)
        "planalign_threads": settings.get("PLANALIGN_THREADS", fallback=""),
        "planalign_memory_limit": settings.get("PLANALIGN_MEMORY_LIMIT", fallback=""),
        "planalign_dbt_threads": settings.get("PLANALIGN_DBT_THREADS", fallback=""),
        "planalign_dbt_log_level": settings.get("PLANALIGN_DBT_LOG_LEVEL", fallback=""),
        "planalign_keep_intermediate": settings.get("PLANALIGN_KEEP_INTERMEDIATE", fallback=""),
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
