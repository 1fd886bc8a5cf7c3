"""Run dbt for one simulated year and turn its failures into one clear message.

dbt runs in this process, with four of PlanAlign's overrides of dbt's internals (planalign.dbt.overrides):
the environment swap (_process_state), the manifest reuse (_MANIFESTS), the node reset (_as_parsed) and the
connection close (_close_database), plus the CTE patch (patches.py). With PLANALIGN_PLAIN_DBT=1 none of them
runs: each invocation is a plain `dbt` process (_dbt_process), its output into the same year log and listener.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planalign import settings
from planalign.dbt import overrides, patches
from planalign.errors import PlanAlignError
from planalign.paths import LOG_DIR, PROJECT_ROOT, dbt_target_dir
from planalign.store import runsafety
from planalign.store.runsafety import mask

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class DbtRun:
    returncode: int
    elapsed_seconds: float
    log_file: Path
    output: str


# What a lean run (a backtest's throw-away database, years.Run.lean) leaves out: the report views that nobody
# reads there (the year protocol reads rpt_census_reconciliation, rpt_year_digests and rpt_year_audit, which reads
# rpt_employer_cost; the backtest reads fct_workforce_snapshot), with their checks. None is a parent of the event
# store or the snapshot, so what is built is what a full build writes. The nondiscrimination models are built:
# a design's ndt_correction puts the corrections into the year's balances, so they are parents of the snapshot.
LEAN_EXCLUDED = ("rpt_workforce_breakdown+", "rpt_scenario_metrics+", "rpt_winners_losers_employees+",
                 "rpt_nondiscrimination_corrections+")


# What a Spark build leaves out (TARGET=spark, docs/scaling-out.md), with the views and checks that read them:
# the report views whose SQL has no Spark version yet (rpt_winners_losers_employees, rpt_workforce_breakdown),
# and the scenario metrics and the views over them, which build on Spark but whose checks took minutes at
# 1,000 employees (views of views, recomputed by each query). None is a parent of the event store, the snapshot
# or another mart; the CLI reads none of them on Spark.
SPARK_EXCLUDED = ("rpt_winners_losers_employees+", "rpt_workforce_breakdown+", "rpt_scenario_metrics+")


def year_selection(year: int, start_year: int, reload_seeds: list[str] | tuple[str, ...] = (),
                   first_of_run: bool = False, lean: bool = False, spark: bool = False) -> list[str]:
    """The start year seeds and stages the census and builds every model and check; later years rebuild
    only the yearly models (intermediate and marts), plus the seeds whose content changed since they
    were loaded.

    --full-refresh reloads the seeds with their declared column types; the marts and staging ignore
    it (full_refresh: false), so no simulated year and no other scenario's census is ever dropped.
    The report views (tag reports) do not depend on the year: the start year builds them, and so does
    the first year of a run that starts later (`make year`, `make resume`), so a view is never older
    than the code that reads it. The models that hold the run's configuration, not the year's (tag
    per_run: the resolved plan design, its tiers and vesting, the effective settings), and their checks,
    are built the same way, by a run's first year: the configuration cannot change within a run. The
    checks of the intermediate models and the views (meta start_year_only, dbt_project.yml; each is
    ~0.05 s of dbt overhead whatever the census) run in the start year only; the marts' checks and every
    critical tripwire of a yearly model run every year, including those that also read the staged census
    (the staging models are not yearly, so they are not rebuilt).

    lean: a run whose database is read for its workforce only (a backtest) does not build the report views
    nobody reads (LEAN_EXCLUDED), and its start year runs the checks a later year
    runs (the marts' checks and every critical tripwire), not the start-year-only checks of the rules.

    spark: a build on Spark leaves out the report views not ported yet (SPARK_EXCLUDED).
    """
    excluded = ["resource_type:unit_test", *(LEAN_EXCLUDED if lean else ()), *(SPARK_EXCLUDED if spark else ())]
    if year == start_year:
        return ["--full-refresh", "--exclude", *(["config.meta.start_year_only:true"] if lean else []), *excluded]
    return ["--select", "tag:yearly", *(["tag:per_run", "tag:reports"] if first_of_run else []), *reload_seeds,
            "--exclude", "config.meta.start_year_only:true", *excluded]


def intermediate_database(database: Path) -> Path:
    """Where PLANALIGN_KEEP_INTERMEDIATE=1 keeps the yearly intermediate tables: beside the database."""
    return database.with_name(f"{database.stem}.intermediate.duckdb")


def dbt_env(year: int | None, run_id: str, database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "PLANALIGN_RUN_ID": run_id,
        "PLANALIGN_DB": str(database),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DBT_PROJECT_DIR": str(PROJECT_ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # dbt's own log file: every SQL statement at 'debug' costs ~10% of a run (scripts/settings.py)
        "DBT_LOG_LEVEL_FILE": settings.get("PLANALIGN_DBT_LOG_LEVEL").strip().lower(),
    })
    # DuckDB's worker threads: the machine's cores unless set (more than the cores only contend with the
    # second dbt thread: 100,000 x 5 years, 2 cores, wall ratio 0.93 for 2 threads against 4)
    env.setdefault("PLANALIGN_THREADS", str(settings.machine_cores()))
    # the yearly intermediate tables (catalog scratch): in memory, or kept in a file beside the database
    env.pop("PLANALIGN_SCRATCH_PATH", None)
    if settings.keep_intermediate(env):
        env["PLANALIGN_SCRATCH_PATH"] = str(intermediate_database(database))
    if year is not None:
        env["PLANALIGN_YEAR"] = str(year)
    return env


class _LineSink(io.TextIOBase):
    """A text stream that hands dbt's output on line by line (dbt logs to sys.stdout from worker threads)."""

    def __init__(self, on_line: Callable[[str], None]):
        super().__init__()
        self.on_line = on_line
        self.pending = ""
        self.lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        with self.lock:
            *lines, self.pending = (self.pending + text).split("\n")
            for line in lines:
                self.on_line(line + "\n")
        return len(text)

    def close_pending(self) -> None:
        with self.lock:
            if self.pending:
                self.on_line(self.pending + "\n")
                self.pending = ""


@contextmanager
def _process_state(env: dict[str, str]) -> Iterator[None]:
    """What a dbt subprocess used to get for itself: its environment, the project as working directory;
    restored afterwards (the hooks plugin also sets the umask)."""
    saved_env, saved_cwd, saved_umask = dict(os.environ), os.getcwd(), os.umask(0o077)
    os.umask(saved_umask)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(PROJECT_ROOT)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        os.umask(saved_umask)


# The parsed manifest of the database this process last ran: every year, scenario and plan design of it
# share one manifest. dbt parses the project without the run's vars and without its PLANALIGN_*
# environment (only the database's file name, which names the relations' catalog), so that the parse does
# not depend on the scenario, the census, the year or the run: dbt's state check then accepts the partial
# parse it saved (target/partial_parse.msgpack) on every later run, where a new scenario, census or
# database folder used to force a full parse of the project (about 3 s). The run's vars and environment
# are given to the build, which renders every model, test and hook with them. That nothing dbt records
# while parsing (refs, sources, configs, test arguments) depends on them is checked by
# tests/integration/test_parse_once.py, which compares the two parses node by node.
_MANIFESTS: dict[str, Any] = {}
# dbt fires this event each time it loads a manifest (a full or a partial parse alike)
MANIFEST_LOAD_EVENT = "StateCheckVarsHash"


def parse_environment(environment: dict[str, str], database: Path) -> dict[str, str]:
    """The environment dbt parses the project in: the run's, less every PLANALIGN_* setting, with a database
    path that keeps only the file name (the catalog name of the relations; parsing opens no file), in the
    folder of profiles.yml's default: for the default database, `dbt` run by hand with no PLANALIGN_*
    setting and no vars (make test-critical, make unit) parses in the same state, so neither forces the
    other to parse the whole project again."""
    kept = {key: value for key, value in environment.items() if not key.startswith("PLANALIGN_")}
    return {**kept, "PLANALIGN_DB": f"db/{database.name}"}


def _parse_project(database: Path, callbacks: list[Callable[[Any], None]], target: list[str] | None = None) -> Any:
    """`dbt parse` in the parse environment (the process's environment meanwhile); dbt saves it in target/.
    target: ["--target", name] for another profiles.yml output than the default (its configs differ)."""
    from dbt.cli.main import dbtRunner  # noqa: PLC0415

    with _process_state(parse_environment(dict(os.environ), database)):
        return dbtRunner(callbacks=callbacks).invoke(["parse", *(target or [])])


def target_args(args: list[str]) -> list[str]:
    """The ["--target", name] of a dbt command line, or [] for the default output (DuckDB)."""
    if "--target" in args:
        position = args.index("--target")
        return args[position:position + 2]
    return []


def save_parse(database: Path) -> None:
    """Parse the project as a run on a database of this file name will, so that dbt's saved parse is current
    (the bench does this before it starts the clock, as an earlier run on such a database would have)."""
    output = io.StringIO()
    if overrides.plain_dbt():
        code = _dbt_process(["parse"], parse_environment(dbt_env(None, "parse", database), database), output.write)
    else:
        with _process_state(dbt_env(None, "parse", database)), redirect_stdout(output), redirect_stderr(output):
            code = _exit_code(_parse_project(database, []))
    if code != 0:
        last = [line for line in output.getvalue().splitlines() if line.strip()][-3:]
        raise PlanAlignError(f"dbt could not parse the project: {' '.join(' '.join(last).split())[:400]}",
                             hint="run `dbt parse` for the whole message")


def _exit_code(result: Any) -> int:
    """dbt's command-line exit codes: 0 success, 1 a node failed, 2 dbt itself failed; Ctrl-C stays Ctrl-C."""
    if isinstance(result.exception, KeyboardInterrupt):
        raise result.exception
    if result.success:
        return 0
    if result.exception is None:
        return 1
    # into the year's output (stdout is dbt's output sink here), as dbt's command line wrote it
    sys.stdout.write(f"Encountered an error: {result.exception}\n")
    return 2


def _invoke(args: list[str], variables_json: str, database: Path, loads: list[str]) -> int:
    from dbt.cli.main import dbtRunner  # noqa: PLC0415 - dbt's imports take a second: only when dbt runs

    patches.install()

    def count_loads(event: Any) -> None:
        if event.info.name == MANIFEST_LOAD_EVENT:
            loads.append(event.info.name)

    target = target_args(args)
    # a manifest is parsed for one engine: the configs of dbt_project.yml depend on target.type
    key = f"{' '.join(target)}:{database.name}"
    try:
        if key not in _MANIFESTS:
            parsed = _parse_project(database, [count_loads], target)
            code = _exit_code(parsed)
            if code != 0:
                return code
            _MANIFESTS.clear()  # another database: the previous manifest is not needed again
            _MANIFESTS[key] = parsed.result
        _as_parsed(_MANIFESTS[key])
        runner = dbtRunner(manifest=_MANIFESTS[key], callbacks=[count_loads])
        return _exit_code(runner.invoke([*args, "--vars", variables_json]))
    finally:
        _close_database()


def _dbt_process(args: list[str], env: dict[str, str], on_line: Callable[[str], None]) -> int:
    """PLANALIGN_PLAIN_DBT=1: one plain `dbt` process (this interpreter's dbt, its own command line), in the
    environment and folder an in-process invocation gets; its output line by line; its exit code."""
    process = subprocess.Popen([sys.executable, "-m", "dbt.cli.main", *args], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                               errors="replace")
    assert process.stdout is not None
    try:
        for line in process.stdout:
            on_line(line)
    finally:
        process.stdout.close()
        returncode = process.wait()  # Ctrl-C reaches dbt too (same process group): it stops, then we do
    return returncode


def _as_parsed(manifest: Any) -> None:
    """Every node as `dbt parse` leaves it: not compiled, no compiled SQL, no ephemeral CTEs. A build compiles
    into the manifest's own node objects and marks the ephemeral models' CTEs as injected, so the next
    year's build on the same manifest would reuse last year's SQL of an ephemeral model and leave its CTE
    out of the models that read it. A new dbt process never saw that state."""
    for node in manifest.nodes.values():
        if isinstance(getattr(type(node), "extra_ctes_injected", None), property):
            continue  # seeds: nothing is compiled into them
        node.compiled = False
        node.compiled_code = None
        node.extra_ctes_injected = False
        node.extra_ctes = []
        node._pre_injected_sql = None


def _close_database() -> None:
    """Close dbt-duckdb's database, as the end of a dbt process did: the CLI then opens it read-only in
    this process, and another program may open it, between the years. dbt-duckdb keeps its one
    environment (connection and DuckDB instance) in a class attribute until the process ends."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager  # noqa: PLC0415

    with DuckDBConnectionManager._LOCK:  # noqa: SLF001 - no public way to close it
        environment, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None  # noqa: SLF001
    if environment is not None:
        environment.close()


def run_dbt(command: list[str], variables: dict[str, Any], *, year: int | None, run_id: str,
            database: Path, on_line: Callable[[str], None] | None = None,
            extra_env: dict[str, str] | None = None) -> DbtRun:
    """One dbt command, in this process (dbtRunner), or a plain `dbt` process with PLANALIGN_PLAIN_DBT=1: its
    output masked into logs/ and handed, line by line, to on_line (the CLI draws its progress line or shows
    the output from them; this module writes nothing to the console), the exit code dbt's command line
    would give."""
    plain = overrides.plain_dbt()
    LOG_DIR.mkdir(exist_ok=True)
    log_file = LOG_DIR / f"dbt_{run_id}_{year if year is not None else 'all'}.log"
    # a failure must never be explained by a previous run's results
    (dbt_target_dir() / "run_results.json").unlink(missing_ok=True)
    started = time.monotonic()
    lines: list[str] = []
    loads: list[str] = []
    runsafety.new_invocation()
    with log_file.open("w", buffering=1) as log:  # line by line: `tail -f` follows a year as it runs
        def each_line(line: str) -> None:
            plain = mask(ANSI.sub("", line))
            log.write(plain)
            lines.append(plain)
            if on_line is not None:
                on_line(plain)

        env = {**dbt_env(year, run_id, database), **(extra_env or {})}
        variables_json = json.dumps(variables, sort_keys=True)
        sink = _LineSink(each_line)
        try:
            if plain:
                returncode = _dbt_process([*command, "--vars", variables_json], env, each_line)
                loads.append("a new dbt process")  # parses (or loads its saved parse) every time
            else:
                with _process_state(env), redirect_stdout(sink), redirect_stderr(sink):
                    returncode = _invoke(command, variables_json, database, loads)
        finally:
            sink.close_pending()
    elapsed = time.monotonic() - started
    runsafety.log_line(run_id, {"event": "dbt_invocation", "year": year, "command": command[0],
                                "returncode": returncode, "manifest_loads": len(loads),
                                "seconds": round(elapsed, 3), **({"plain_dbt": True} if plain else {})})
    return DbtRun(returncode, elapsed, log_file, "".join(lines))


def test_name(unique_id: str, manifests: dict[str, Any] | None = None) -> str:
    """A data test's name as the user finds it: its alias, which names its table of stored failures
    (<schema>_dbt_test__audit.<alias>), from the parsed manifest (with PLANALIGN_PLAIN_DBT=1, the one the dbt
    process saved in target/); else the name in its unique id (test.<project>.<name>[.<hash>]), never the hash
    that ends a generic test's id."""
    for manifest in (_MANIFESTS if manifests is None else manifests).values():
        node = manifest.nodes.get(unique_id)
        if node is not None:
            return node.alias
    if manifests is None and not _MANIFESTS:
        try:
            return json.loads((dbt_target_dir() / "manifest.json").read_text())["nodes"][unique_id]["alias"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
    parts = unique_id.split(".")
    return parts[2] if len(parts) > 2 else unique_id


def _failed_nodes() -> list[dict[str, Any]]:
    results_file = dbt_target_dir() / "run_results.json"
    try:
        results = json.loads(results_file.read_text())["results"]
    except (OSError, ValueError, KeyError):
        return []
    return [r for r in results if r.get("status") in {"error", "fail", "runtime error"}]


def explain_failure(run: DbtRun, year: int | None) -> PlanAlignError:
    """One clear message (and a hint) for a failed dbt run."""
    where = f"year {year}" if year is not None else "dbt"
    output = run.output
    if "Could not set lock on file" in output or "Conflicting lock" in output:
        holder = re.search(r"PID (\d+)", output)
        return PlanAlignError(
            f"{where}: the database is in use by another process"
            + (f" (PID {holder.group(1)})" if holder else ""),
            hint="wait for that run to finish, or point PLANALIGN_DB at another database file",
        )
    refused = re.search(r"in use by run (\S+) \(PID (\d+)\)", output)
    if refused:
        return PlanAlignError(f"{where}: the database is in use by run {refused.group(1)} (PID {refused.group(2)})",
                              hint="wait for that run to finish (RUNBOOK.md, 'Locking'); nothing was written")
    if "No space left on device" in output or "the disk is full" in output:
        return PlanAlignError(f"{where}: the disk is full (log: {run.log_file})",
                              hint="free disk space, then run the year again; earlier years are intact")
    failed = _failed_nodes()
    drifted = [r for r in failed if "schemas on this incremental model are out of sync" in (r.get("message") or "")]
    if drifted:
        table = drifted[0]["unique_id"].split(".")[-1]
        return PlanAlignError(
            f"{where}: {table} in this database has other columns than this version of PlanAlign writes "
            "(the database was built by an older version)",
            hint="simulate into a new database file, e.g. PLANALIGN_DB=db/planalign_v2.duckdb make simulate; "
                 "years are never dropped from an existing one (RUNBOOK.md, 'Errors and their fixes')",
            exit_code=2)
    tests = [r for r in failed if r["unique_id"].startswith("test.")]
    if tests:
        names = ", ".join(f"{test_name(r['unique_id'])} ({r.get('failures') or '?'} rows)" for r in tests[:5])
        return PlanAlignError(
            f"{where}: {len(tests)} data test(s) failed: {names}",
            hint="the failing rows are stored in the *_dbt_test__audit schema; see RUNBOOK.md "
                 f"'Inspecting a failed tripwire' (log: {run.log_file})",
            exit_code=1,
        )
    if failed:
        first = failed[0]
        message = " ".join((first.get("message") or "").split())[:400]
        return PlanAlignError(f"{where}: {first['unique_id'].split('.')[-1]} failed: {message}",
                              hint=f"full dbt output: {run.log_file}", exit_code=1)
    errors = [line.strip() for line in output.splitlines()
              if re.search(r"error", line, re.IGNORECASE) and "ERROR=0" not in line]
    detail = " ".join(" ".join(errors[:3]).split())[:500] or "dbt exited with an error"
    return PlanAlignError(f"{where}: {detail}", hint=f"full dbt output: {run.log_file}", exit_code=1)
