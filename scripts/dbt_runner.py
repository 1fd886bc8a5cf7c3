"""Run dbt as a subprocess for one simulated year and turn its failures into one clear message."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.errors import PlanAlignError
from scripts.paths import LOG_DIR, PROJECT_ROOT, dbt_executable
from scripts.runsafety import mask

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# dbt's "12 of 99 START sql table model main.int_hires_generated ....... [RUN]"
START_LINE = re.compile(r"\b(\d+) of (\d+) START (.*?)\s*(?:\.{2,}\s*)?(?:\[RUN\])?$")


def parse_progress(line: str) -> tuple[int, int, str] | None:
    """(n, total, node name) of a dbt START line, else None; the schema prefix is dropped."""
    match = START_LINE.search(ANSI.sub("", line).rstrip())
    if not match:
        return None
    name = match.group(3).split()[-1] if match.group(3).split() else "?"
    return int(match.group(1)), int(match.group(2)), name.removeprefix("main.")


class Progress:
    """One updating terminal line while dbt works: year, n of total, node, elapsed seconds.
    Silent when the stream is not a terminal (CI logs, tests, pipes)."""

    def __init__(self, year: int | None, stream=None):
        self.stream = stream if stream is not None else sys.stdout
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.label = f"year {year}" if year is not None else "dbt"
        self.started = time.monotonic()
        self.shown = 0

    def update(self, line: str) -> None:
        parsed = parse_progress(line) if self.enabled else None
        if parsed is None:
            return
        n, total, name = parsed
        text = f"{self.label}: {n}/{total} {name}  {time.monotonic() - self.started:.0f}s"
        text = text[:max(shutil.get_terminal_size().columns - 1, 20)]
        self.stream.write("\r" + text.ljust(self.shown))
        self.stream.flush()
        self.shown = len(text)

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * self.shown + "\r")
            self.stream.flush()
            self.shown = 0


@dataclass
class DbtRun:
    returncode: int
    elapsed_seconds: float
    log_file: Path
    output: str


def year_selection(year: int, start_year: int, reload_seeds: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The start year seeds and stages the census; later years rebuild only the yearly models,
    plus the seeds whose content changed since they were loaded.

    --full-refresh reloads the seeds with their declared column types; the marts and staging ignore
    it (full_refresh: false), so no simulated year and no other scenario's census is ever dropped.
    The grain tests of the intermediate models (tag intermediate_grain, ~0.1 s of dbt overhead each)
    run in the start year only; the marts' grain tests still check every year.
    """
    if year == start_year:
        return ["--full-refresh", "--exclude", "resource_type:unit_test"]
    return ["--select", "tag:yearly", *reload_seeds,
            "--exclude", "tag:staging", "tag:intermediate_grain", "resource_type:unit_test"]


def dbt_env(year: int | None, run_id: str, database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "PLANALIGN_RUN_ID": run_id,
        "PLANALIGN_DB": str(database),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DBT_PROJECT_DIR": str(PROJECT_ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    })
    if year is not None:
        env["PLANALIGN_YEAR"] = str(year)
    return env


def run_dbt(command: list[str], variables: dict[str, Any], *, year: int | None, run_id: str,
            database: Path, verbose: bool = False, extra_env: dict[str, str] | None = None) -> DbtRun:
    LOG_DIR.mkdir(exist_ok=True)
    log_file = LOG_DIR / f"dbt_{run_id}_{year if year is not None else 'all'}.log"
    args = [dbt_executable(), *command, "--vars", json.dumps(variables, sort_keys=True)]
    # a failure must never be explained by a previous run's results
    (PROJECT_ROOT / "target" / "run_results.json").unlink(missing_ok=True)
    started = time.monotonic()
    progress = Progress(year) if not verbose else None
    with log_file.open("w") as log:
        process = subprocess.Popen(args, cwd=PROJECT_ROOT, env={**dbt_env(year, run_id, database), **(extra_env or {})},
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = []
        assert process.stdout is not None
        try:
            for line in process.stdout:
                plain = mask(ANSI.sub("", line))
                log.write(plain)
                lines.append(plain)
                if verbose:
                    print(plain, end="")
                elif progress is not None:
                    progress.update(plain)
        finally:
            if progress is not None:
                progress.clear()
        process.wait()
    return DbtRun(process.returncode, time.monotonic() - started, log_file, "".join(lines))


def _failed_nodes() -> list[dict[str, Any]]:
    results_file = PROJECT_ROOT / "target" / "run_results.json"
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
        names = ", ".join(f"{r['unique_id'].split('.')[-1]} ({r.get('failures') or '?'} rows)"
                          for r in tests[:5])
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
