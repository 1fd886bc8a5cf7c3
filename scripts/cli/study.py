"""A batch's sensitivity study (the tornado), run in a second process beside the grid.

The study's runs do not read the grid's: its variants (<scenario>__sens) draw the random numbers of the grid's
replication 1 from the seed alone. So it can build while the grid builds, and a batch's time is the longer of the
two instead of their sum (the grid alone keeps about 1.5 of 2 cores busy: dbt builds one model at a time per
thread, and Python draws the reports between years). DuckDB lets one process write a file, so the study writes
its own database beside the batch's, <name>_sensitivity.duckdb, under its own lock and run log; the batch reads
the points' net costs from it when both are done. The file is the study's and nothing else's: a batch starts it
afresh (RESUME=1 keeps it and resumes it), so no backup of it is taken.

The second process is `planalign batch-study` (hidden), given the grid's rows and options as JSON; its console
lines go to artifacts/runs/<batch run id>/sensitivity.log, and its dbt writes its own target folder.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click

from planalign.errors import PlanAlignError
from planalign.paths import PROJECT_ROOT

PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies
STOP_SECONDS = 20  # how long a stopped study may take to close its run (lock, run log) before it is killed


def die_with(parent: int) -> None:
    """The study ends when the batch that started it does, even by kill -9: on Linux the kernel sends it SIGTERM
    when its parent dies (prctl PR_SET_PDEATHSIG). Its lock then names a dead process, which the next run clears,
    and its file is scratch. A batch that died before this call is caught by the parent's process id."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        raise PlanAlignError("the batch that started this sensitivity study has stopped", hint="run the batch again")


def study_database(database: Path) -> Path:
    """The study's own DuckDB file, beside the batch's."""
    return database.with_name(f"{database.stem}_sensitivity.duckdb")


def discard(database: Path) -> None:
    """A fresh study: the file of an earlier one (and its write-ahead log) removed."""
    for path in (database, database.with_name(database.name + ".wal")):
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise PlanAlignError(f"cannot remove the earlier sensitivity study's database {path}: "
                                 f"{exc.strerror or exc}", hint="move it away or delete it, then run the batch "
                                 "again (TORNADO=0 runs the grid without the study)") from None


@dataclass
class Background:
    """The study's process, where its console lines go, and when it started."""

    process: subprocess.Popen
    log: Path
    database: Path
    began: float

    def seconds(self) -> float:
        return time.monotonic() - self.began


def start(database: Path, run_id: str, spec: dict) -> Background:
    """Start `planalign batch-study` on the spec (JSON), into the study's database; returns at once."""
    folder = PROJECT_ROOT / "artifacts" / "runs" / run_id
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    log = folder / "sensitivity.log"
    target = Path(os.environ.get("DBT_TARGET_PATH") or "target") / "sensitivity"
    env = {**os.environ, "DBT_TARGET_PATH": str(target), "PLANALIGN_DB": str(study_database(database))}
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - this interpreter running this package, no shell
            [sys.executable, "-m", "planalign", "batch-study", "--spec", json.dumps({**spec, "parent": os.getpid()})],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=PROJECT_ROOT)
    return Background(process, log, study_database(database), time.monotonic())


def wait(background: Background) -> None:
    """Wait for the study; a failure is raised as the study's own error line."""
    if background.process.wait() != 0:
        raise PlanAlignError(f"{failure_line(background.log)} (its log: {background.log.relative_to(PROJECT_ROOT)})")


def stop(background: Background) -> None:
    """Stop the study as Ctrl-C would (it closes its run), or kill it if it does not within STOP_SECONDS."""
    if background.process.poll() is not None:
        return
    background.process.send_signal(signal.SIGINT)
    try:
        background.process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        background.process.kill()
        background.process.wait()


def failure_line(log: Path) -> str:
    """The study's error line (the last `error:` line of its log), or its last line."""
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    errors = [line.removeprefix("error: ") for line in lines if line.startswith("error: ")]
    return errors[-1] if errors else (lines[-1] if lines else "it stopped without a message")


def echo_started(background: Background, sides: int, points: int) -> None:
    click.echo(f"== sensitivity: {sides} designs x {points} points, in a second process beside the grid, into "
               f"{background.database} (log: {background.log.relative_to(PROJECT_ROOT)})")
