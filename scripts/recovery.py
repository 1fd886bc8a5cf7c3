"""`planalign resume` (continue after a crash from the first year that is not provably done) and
`planalign restore` (put a backup back)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import duckdb

from scripts import runsafety
from scripts.config import Scenario, load_scenario, resolve_census_path
from scripts.errors import PlanAlignError
from scripts.paths import database_path
from scripts.simulate import (
    _census_override,
    census_option,
    clear_option,
    plan_design_option,
    run_config,
    scenario_option,
    simulate_years,
    verbose_option,
)


def _refuse_if_locked(database: Path, doing: str, hint: str) -> None:
    try:
        runsafety.refuse_if_locked(database, doing)
    except runsafety.RunSafetyError as exc:
        raise PlanAlignError(str(exc), hint=hint) from None


def _database_digests(database: Path, scenario: Scenario) -> dict[int, tuple]:
    if not database.exists():
        return {}
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            # the checkpoint's aggregate over the run's replications (the CLI runs replication 0)
            rows = con.execute(
                "select simulation_year, sum(event_rows), "
                "md5(string_agg(cast(replication_id as varchar) || ':' || events_digest, '|' "
                "order by replication_id)), sum(snapshot_rows), "
                "md5(string_agg(cast(replication_id as varchar) || ':' || snapshot_digest, '|' "
                "order by replication_id)) "
                "from rpt_year_digests where scenario_id = ? and plan_design_id = ? and replication_id in (0) "
                "group by simulation_year",
                [scenario.scenario_id, scenario.plan_design_id]).fetchall()
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise PlanAlignError(f"the database {database} is in use by another process",
                                 hint="wait for that run to finish (RUNBOOK.md, 'Locking')") from None
        return {}
    return {row[0]: row[1:] for row in rows}


def changed_keys(database: Path, scenario: Scenario, old_hash: str, config: dict) -> list[str]:
    folder = runsafety.checkpoint_folder(database, scenario.scenario_id, scenario.plan_design_id)
    try:
        old = json.loads((folder / f"config_{old_hash[:16]}.json").read_text())
    except (OSError, ValueError):
        return ["(the earlier configuration was not kept)"]
    keys = sorted(set(old) | set(config))
    return [f"{key}: {old.get(key)!r} -> {config.get(key)!r}" for key in keys if old.get(key) != config.get(key)]


def first_year_to_run(database: Path, scenario: Scenario, config: dict) -> tuple[int | None, str]:
    """The first year whose checkpoint is missing or no longer matches the database or the config."""
    current = runsafety.config_hash(config)
    digests = _database_digests(database, scenario)
    for year in range(scenario.start_year, scenario.end_year + 1):
        checkpoint = runsafety.read_checkpoint(database, scenario.scenario_id, scenario.plan_design_id, year)
        if checkpoint is None:
            return year, f"year {year} has no completed checkpoint"
        if checkpoint.get("config_hash") != current:
            changes = "; ".join(changed_keys(database, scenario, checkpoint.get("config_hash", ""), config))
            return scenario.start_year, (f"the configuration changed since year {year} was run ({changes}); "
                                         f"starting over from {scenario.start_year}")
        stored = (checkpoint.get("event_rows"), checkpoint.get("events_digest"),
                  checkpoint.get("snapshot_rows"), checkpoint.get("snapshot_digest"))
        if digests.get(year) != stored:
            return year, f"year {year} in the database no longer matches its checkpoint"
    return None, f"every year {scenario.start_year}-{scenario.end_year} is done and matches its checkpoint"


@click.command("resume")
@scenario_option
@census_option
@plan_design_option
@clear_option
@verbose_option
def resume_command(scenario_file: Path, census_path: str | None, plan_design_id: str | None, clear: str,
                   verbose: bool) -> None:
    """Continue a scenario after a crash: skip the years whose checkpoint matches, run the rest.

    With --clear all, remove the scenario's years and checkpoints and run everything again."""
    scenario = load_scenario(scenario_file, {"census_path": _census_override(census_path),
                                             "plan_design_id": plan_design_id})
    database = database_path()
    _refuse_if_locked(database, "not resuming under it", "wait for that run to finish (RUNBOOK.md, 'Locking')")
    if clear == "all":
        click.echo(f"resume: --clear all: removing the scenario's years, then running "
                   f"{scenario.start_year}-{scenario.end_year}")
        simulate_years(scenario, scenario.start_year, scenario.end_year, verbose=verbose, clear="all",
                       command="resume")
        return
    config = run_config(scenario, resolve_census_path(scenario))
    year, reason = first_year_to_run(database, scenario, config)
    click.echo(f"resume: {reason}")
    if year is None:
        return
    clear = "all" if year == scenario.start_year and "configuration changed" in reason else "year"
    simulate_years(scenario, year, scenario.end_year, verbose=verbose, clear=clear, command="resume")


@click.command("restore")
@click.argument("backup", required=False)
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def restore_command(backup: str | None, yes: bool) -> None:
    """Put a backup back in place of the database (the latest one unless BACKUP names another)."""
    database = database_path()
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
    if not runsafety.acquire_lock(database, f"restore_{os.getpid()}"):
        raise PlanAlignError("could not lock the database for the restore")
    try:
        temporary = database.with_name(database.name + ".restoring")
        runsafety.copy_private(chosen, temporary)
        Path(str(database) + ".wal").unlink(missing_ok=True)
        os.replace(temporary, database)
    finally:
        runsafety.release_lock(database, f"restore_{os.getpid()}")
    click.echo(f"restored {database} from {chosen}; checkpoints of later runs no longer match it, "
               "so `make resume` re-runs those years")
