"""Recovering: `resume` (continue after a crash from the first year that is not provably done) and
`restore` (put a backup back)."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path

import click

from planalign.cli import options
from planalign.cli.run import run_one
from planalign.engine import years
from planalign.errors import PlanAlignError
from planalign.paths import checked_database
from planalign.store import db, runsafety


def _refuse_if_locked(database: Path, doing: str, hint: str) -> None:
    try:
        runsafety.refuse_if_locked(database, doing)
    except runsafety.RunSafetyError as exc:
        raise PlanAlignError(str(exc), hint=hint) from None


@click.command("resume")
@options.configuration
@options.clear
@options.start
@click.option("--end", type=int, default=None,
              help="last year (default: the later of the scenario's end_year and the last stored year)")
@options.dry_run
@options.verbose
def resume_command(scenario_name: str, census_path: str | None, census_sheet: str | None, plan_design_id: str | None,
                   sets: tuple[str, ...], replications: int | None, clear: str, start: int | None, end: int | None,
                   dry_run: bool, verbose: bool) -> None:
    """Continue a scenario after a crash: skip the years whose checkpoint matches, run the rest (a run opened in
    a later START is found by its first stored year, or say --start).

    With --clear all, remove the scenario's years and checkpoints and run everything again."""
    database = checked_database(writing=True)
    effective = options.effective_from(database, scenario_name, census_path, plan_design_id, sets, replications,
                                       start, census_sheet, infer=True)
    _refuse_if_locked(database, "not resuming under it", "wait for that run to finish (RUNBOOK.md, 'Locking')")
    if clear == "all":
        plan = years.plan_years(database, effective, effective.start_year, effective.end_year, "all")
    else:
        plan = years.plan_resume(database, effective, options.resume_end(database, effective, end))
    if not dry_run:
        for line in plan.reasons:
            click.echo(f"resume: {line}")
        plan.reasons = []
        if not plan.years:
            return
    run_one("resume", database, plan, dry_run, verbose)


@click.command("restore")
@click.argument("backup", required=False)
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def restore_command(backup: str | None, yes: bool) -> None:
    """Put a backup back in place of the database (the latest one unless BACKUP names another)."""
    database = checked_database(writing=True)
    _refuse_if_locked(database, "refusing to restore under it",
                      "wait for that run to finish, or stop it first (RUNBOOK.md, 'Restoring')")
    backups = runsafety.list_backups(database)
    if backup:
        chosen = next((p for p in backups if p.name == backup or p.name == f"{backup}.duckdb" or str(p) == backup),
                      None)
    else:
        chosen = runsafety.latest_backup(database)
    if chosen is None:
        names = ", ".join(p.name for p in backups[-5:]) or "none"
        raise PlanAlignError(f"no backup {backup or '(latest)'} for {database}",
                             hint=f"backups in {runsafety.backup_folder(database)}: {names}")
    if not yes and not click.confirm(f"replace {database} with {chosen.name}?", default=False):
        raise PlanAlignError("restore cancelled; nothing was changed", exit_code=1)
    run_id = f"restore_{years.new_run_id()}"
    if not runsafety.acquire_lock(database, run_id):
        raise PlanAlignError("could not lock the database for the restore")
    try:
        temporary = database.with_name(database.name + ".restoring")
        runsafety.copy_private(chosen, temporary)
        Path(str(database) + ".wal").unlink(missing_ok=True)
        os.replace(temporary, database)
        log_restore(database, chosen, run_id)
    finally:
        runsafety.release_lock(database, run_id)
    click.echo(f"restored {database} from {chosen}; checkpoints of later runs no longer match it, "
               "so `make resume` re-runs those years")


def log_restore(database: Path, backup: Path, run_id: str) -> None:
    """Who restored which backup over which database, and when: a row of the (restored) database's run log
    and a line of logs/run_<run_id>.jsonl."""
    record = {"backup": backup.name, "backup_path": str(backup), "database": str(database),
              "user": _user(), "pid": os.getpid()}
    runsafety.log_line(run_id, {"event": "restore", **record})
    db.stamp_run_log(database, [[run_id, "restore", "end", None, None, None, None, "success",
                                 json.dumps(record, sort_keys=True), runsafety.now_utc().rstrip("Z")]])


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment nor the password database
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"
