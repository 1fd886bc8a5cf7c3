"""Knowing what is there: `status` (the database, its runs, checkpoints, lock and backups) and
`check-config` (every scenario file and plan design, validated without running anything)."""

from __future__ import annotations

from pathlib import Path

import click

from planalign.cli.console import show_error
from planalign.errors import PlanAlignError
from planalign.keys import MONTE_CARLO, Replications, RunKey
from planalign.paths import checked_database
from planalign.store import db, runsafety


def _size(path: Path) -> str:
    size = float(path.stat().st_size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:,.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return ""


def _checkpoint_state(database: Path, key: RunKey, years: list[int], found: dict[int, tuple]) -> str:
    """Per year: the checkpoint matches what the database holds (found: the digests with --verify, else the
    row counts), does not, or is missing."""
    states = []
    for year in years:
        checkpoint = runsafety.read_checkpoint(database, key, year)
        fields = ("event_rows", "events_digest", "snapshot_rows", "snapshot_digest") if len(found.get(year, ())) == 4 \
            else ("event_rows", "snapshot_rows")
        if checkpoint is None:
            states.append(f"{year} none")
        elif found.get(year) == tuple(checkpoint.get(field) for field in fields):
            states.append(f"{year} ok")
        else:
            states.append(f"{year} MISMATCH")
    return ", ".join(states)


@click.command("status")
@click.option("--verify", is_flag=True,
              help="compare the digests of every stored year's rows with its checkpoint (reads every row: slow on a "
                   "large database); by default the row counts are compared")
def status_command(verify: bool) -> None:
    """Per scenario x design x replication set: the years present, whether each year's checkpoint matches the
    database (row counts; digests with --verify), the last run; then the lock holder and the backups."""
    database = checked_database(writing=False)
    click.echo(f"database: {database}" + (f" ({_size(database)})" if database.exists() else " (not created yet)"))
    if database.exists():
        with db.read_only(database) as con:
            stored = db.stored_counts(con)
            last = db.last_runs(con)
        if not stored:
            click.echo("  no simulated years yet")
        for scenario_id, plan_design_id, replication_set, count, counts in stored:
            key = RunKey(scenario_id, plan_design_id, Replications(count if replication_set == MONTE_CARLO else 0))
            years = sorted(counts)
            found = db.year_digests(database, key) if verify else counts
            click.echo(f"  {scenario_id} / {plan_design_id} ({key.replications.label}): years {years[0]}-{years[-1]}")
            click.echo(f"    checkpoints ({'digests' if verify else 'row counts'}): "
                       f"{_checkpoint_state(database, key, years, found)}")
            if (scenario_id, plan_design_id) in last:
                run_id, command, status, at = last[(scenario_id, plan_design_id)]
                click.echo(f"    last run: {run_id} ({command}) {status} at {at:%Y-%m-%d %H:%M:%S} UTC")
        if stored and not verify:
            click.echo("  (make status VERIFY=1 compares the digests of the rows too; make resume always does)")
    holder = runsafety.lock_holder(database)
    click.echo(f"lock: held by run {holder.get('run_id')} (PID {holder.get('pid')}, since {holder.get('started')})"
               if holder else "lock: free")
    backups = runsafety.list_backups(database)
    latest = runsafety.latest_backup(database)
    click.echo(f"backups: {len(backups)} in {runsafety.backup_folder(database)}" if backups else "backups: none")
    for path in backups:
        click.echo(f"  {path.name}  {_size(path)}{'  (LATEST)' if latest == path else ''}")


@click.command("check-config")
@click.argument("scenario_files", nargs=-1, type=click.Path(path_type=Path))
def check_config_command(scenario_files: tuple[Path, ...]) -> None:
    """Validate the shipped assumption seeds, scenario files (all of scenarios/ by default) with their own
    assumption tables, and every seeded plan design."""
    # imported here, not at the top: `status` (this module too) stays quick without the configuration's models
    from planalign.engine.assumptions import TABLES as ASSUMPTION_TABLES
    from planalign.engine.assumptions import check_shipped_seeds
    from planalign.engine.config import SCENARIO_DIR
    from planalign.engine.plan_designs import load_plan_design, plan_design_ids

    failed: list[str] = []

    def checked(what: str, check) -> None:
        """Run one check; a refusal is shown (one line and its hint) and counted, and the next file is checked."""
        try:
            check()
        except PlanAlignError as exc:
            show_error(exc)
            failed.append(what)

    checked("the assumption seeds", lambda: (check_shipped_seeds(), click.echo(
        f"ok: seeds ({', '.join(f'{name}.csv' for name in ASSUMPTION_TABLES)})")))
    files = scenario_files or tuple(sorted(SCENARIO_DIR.glob("*.yml")))
    for file in files:
        checked(str(file), lambda file=file: _check_scenario(file))
    designs = plan_design_ids()
    for plan_design_id in designs:
        checked(f"plan design {plan_design_id}", lambda plan_design_id=plan_design_id: load_plan_design(plan_design_id))
    if not any(what.startswith("plan design") for what in failed):
        click.echo(f"ok: seeds/plan_designs.csv ({', '.join(designs)})")
    if failed:
        raise PlanAlignError(f"check-config: {len(failed)} of {len(files) + len(designs) + 1} checks failed: "
                             f"{', '.join(failed)}", hint="each is explained above; fix them and run make check-config "
                                                          "again")


def _match_response_note(effective) -> str:
    """When the design's match-maximizing rate differs from the census plan's: what the first-year move-up is."""
    from planalign.engine.plan_designs import match_maximizing_rate

    rate = match_maximizing_rate(effective.design)
    census = effective.census_design_vars()
    if rate is None or census["census_match_maximizing_rate"] == float(rate):
        return ""
    was = census["census_match_maximizing_rate"]
    return (f", match-maximizing rate {float(rate):.2%} against {'none' if was is None else f'{was:.2%}'} under the "
            f"census plan '{census['census_plan_design_id']}' (first-year move-up)")


def _check_scenario(file: Path) -> None:
    from planalign.engine.config import resolve

    effective = resolve(file)
    chain = " -> ".join(p.name for p in effective.chain)
    own = effective.assumptions.own
    click.echo(f"ok: {chain} (scenario '{effective.scenario_id}', plan design '{effective.plan_design_id}', "
               f"years {effective.start_year}-{effective.end_year}"
               + (f", {effective.scenario.replications} replications" if effective.scenario.replications else "")
               + (f", own tables: {', '.join(table.where for table in own.values())}" if own else "")
               + _match_response_note(effective) + ")")
