"""The year loop: `planalign year` and `planalign simulate`, with an audit line per year."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import click
import duckdb
import yaml

from scripts import runsafety
from scripts.config import Scenario, dbt_vars, load_scenario, resolve_census_path
from scripts.dbt_runner import explain_failure, run_dbt, year_selection
from scripts.errors import PlanAlignError
from scripts.paths import DEFAULT_SCENARIO, PROJECT_ROOT, database_path
from scripts.plan_designs import load_plan_design, plan_design_ids

TRANSIENT = ("Could not set lock on file", "Conflicting lock", "IO Error: Could not read", "Resource temporarily")
BACKOFF_SECONDS = (2, 4, 8)


def new_run_id() -> str:
    return f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}_{os.getpid()}"


def census_column_names() -> tuple[dict[str, list[str]], list[str]]:
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())
    return project["vars"]["census_columns"], project["vars"]["census_required_columns"]


def check_census_file(path: Path) -> None:
    """Fail before anything runs when the census file cannot be read or lacks a required column."""
    if not path.exists():
        raise PlanAlignError(f"census file not found: {path}",
                             hint="pass CENSUS=path/to/census.csv (or .parquet), or run `make census`")
    if path.suffix.lower() not in {".csv", ".parquet"}:
        raise PlanAlignError(f"census file {path} is neither .csv nor .parquet",
                             hint="export the census as CSV (with a header row) or Parquet")
    reader = "read_parquet(?)" if path.suffix.lower() == ".parquet" else \
        "read_csv(?, all_varchar = true, header = true)"
    try:
        columns = {row[0].lower() for row in
                   duckdb.execute(f"describe select * from {reader}", [str(path)]).fetchall()}
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0]
        raise PlanAlignError(f"census file {path} cannot be read: {first_line}",
                             hint="check that it is a CSV with a header row, or a Parquet file") from None
    aliases, required = census_column_names()
    missing = [name for name in required if not columns & {a.lower() for a in aliases[name]}]
    if missing:
        accepted = "; ".join(f"{name}: {' or '.join(aliases[name])}" for name in missing)
        raise PlanAlignError(f"census file {path} has no column for {', '.join(missing)}",
                             hint=f"accepted column names: {accepted}")


def _connect_read_only(database: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection; a lock conflict with another program is transient: retried after 2, 4, 8 s."""
    for attempt in range(len(BACKOFF_SECONDS) + 1):
        try:
            return duckdb.connect(str(database), read_only=True)
        except duckdb.Error as exc:
            if "lock" not in str(exc).lower():
                raise PlanAlignError(f"cannot open the database {database}: {str(exc).splitlines()[0]}") from None
            if attempt == len(BACKOFF_SECONDS):
                raise PlanAlignError(f"the database {database} is in use by another process "
                                     f"(still locked after {len(BACKOFF_SECONDS)} retries)",
                                     hint="close the other program (a DuckDB shell?), then `make resume` "
                                          "(RUNBOOK.md, 'Locking')") from None
            wait = BACKOFF_SECONDS[attempt]
            click.echo(f"database locked by another program (retry {attempt + 1}/{len(BACKOFF_SECONDS)} "
                       f"in {wait}s)", err=True)
            time.sleep(wait)
    raise AssertionError("unreachable")


def check_prior_year(scenario: Scenario, year: int, database: Path) -> None:
    if year < scenario.start_year:
        raise PlanAlignError(f"year {year} is before the scenario's start_year {scenario.start_year}",
                             hint=f"choose a year from {scenario.start_year} on")
    if year == scenario.start_year:
        return
    found = 0
    if database.exists():
        with _connect_read_only(database) as con:
            has_table = con.execute(
                "select count(*) from information_schema.tables where table_name = 'fct_workforce_snapshot'"
            ).fetchone()[0]
            if has_table:
                found = con.execute(
                    "select count(*) from fct_workforce_snapshot where scenario_id = ? "
                    "and plan_design_id = ? and simulation_year = ? and replication_id = 0",
                    [scenario.scenario_id, scenario.plan_design_id, year - 1]).fetchone()[0]
    if not found:
        raise PlanAlignError(
            f"year {year - 1} has not been simulated for scenario '{scenario.scenario_id}' in {database}, "
            f"so year {year} has no starting workforce",
            hint=f"run the years in order: make simulate START={scenario.start_year} END={year}")


def print_census_counts(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("select row_status, reject_reason, row_count from rpt_census_reconciliation").fetchall()
    totals = {status: sum(n for s, _, n in rows if s == status) for status in ("staged", "rejected", "excluded")}
    raw = sum(totals.values())
    click.echo(f"census: {raw:,} rows = {totals['staged']:,} staged + {totals['rejected']:,} rejected "
               f"+ {totals['excluded']:,} excluded (left before the start year)")
    reasons = sorted(((reason, n) for s, reason, n in rows if s == "rejected"), key=lambda r: (-r[1], r[0]))
    if reasons:
        click.secho("  rejected: " + ", ".join(f"{reason} {n:,}" for reason, n in reasons)
                    + "  (rows in stg_census__rejects)", fg="yellow")


def explain_census(database: Path) -> None:
    """After a failed start year: show the census counts, and name an empty census as the cause."""
    try:
        with _connect_read_only(database) as con:
            print_census_counts(con)
            staged = con.execute("select count(*) from stg_census__employees").fetchone()[0]
    except (PlanAlignError, duckdb.Error):
        return  # staging itself did not finish: the dbt failure says why
    if staged == 0:
        raise PlanAlignError("the census has no row that can be simulated (see the counts above)",
                             hint="fix the rejected rows (select * from stg_census__rejects) and run again")


AUDIT_HEADER = (f"{'year':>4}  {'start':>8}  {'terms':>7}  {'rif':>6}  {'hires':>7}  {'nh-terms':>8}  "
                f"{'end':>8}  {'growth':>7}  {'avg pay':>10}  {'part':>6}  {'avg def':>7}  {'ee $k':>8}  "
                f"{'match $k':>8}  {'core $k':>8}  {'forf $k':>7}  {'secs':>6}")


def print_audit_line(con: duckdb.DuckDBPyConnection, scenario: Scenario, year: int, seconds: float) -> None:
    row = con.execute(
        "select start_headcount, experienced_terminations, reduction_in_force_terminations, hires, "
        "new_hire_terminations, end_headcount, growth_rate, average_compensation, participation_rate, "
        "average_deferral_rate, employee_contributions, employer_match, employer_core, forfeitures "
        "from rpt_year_audit where scenario_id = ? and plan_design_id = ? and simulation_year = ? "
        "and replication_id = 0",
        [scenario.scenario_id, scenario.plan_design_id, year]).fetchone()
    start, terms, rif, hires, nh_terms, end, growth, pay, part, deferral, employee, match, core, forfeit = row
    click.echo(f"{year:>4}  {start:>8,}  {terms:>7,}  {rif:>6,}  {hires:>7,}  {nh_terms:>8,}  {end:>8,}  "
               f"{(growth or 0) * 100:>+6.2f}%  {float(pay or 0):>10,.0f}  {(part or 0) * 100:>5.1f}%  "
               f"{(deferral or 0) * 100:>6.2f}%  {_thousands(employee):>8}  {_thousands(match):>8}  "
               f"{_thousands(core):>8}  {_thousands(forfeit):>7}  {seconds:>6.1f}")


def _thousands(amount: object) -> str:
    return f"{float(amount or 0) / 1000:,.0f}"


def write_summary(con: duckdb.DuckDBPyConnection, scenario: Scenario, start: int, end: int) -> Path:
    folder = PROJECT_ROOT / "reports" / scenario.scenario_id
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"multi_year_summary_{start}_{end}.csv"
    tmp = out.with_name(out.name + ".tmp")
    con.execute(
        f"copy (select * from rpt_year_audit where scenario_id = $scenario and plan_design_id = $plan "
        f"and replication_id = 0 and simulation_year between $start and $end order by simulation_year) "
        f"to '{tmp}' (header true)",
        {"scenario": scenario.scenario_id, "plan": scenario.plan_design_id, "start": start, "end": end})
    tmp.replace(out)
    return out


def run_config(scenario: Scenario, census: Path) -> dict:
    """What a checkpoint must match: every dbt var of the scenario and the census file's content."""
    config = dbt_vars(scenario, census)
    config.pop("census_path")
    config["census_sha256"] = runsafety.file_sha256(census)
    return config




def is_transient(output: str) -> bool:
    return any(marker in output for marker in TRANSIENT) and "No space left on device" not in output


def run_year(year: int, scenario: Scenario, variables: dict, run_id: str, database: Path, env: dict,
             verbose: bool):
    """One year's dbt build; a transient failure (lock conflict, I/O hiccup) is retried after 2, 4, 8 s."""
    for attempt in range(len(BACKOFF_SECONDS) + 1):
        run = run_dbt(["build", *year_selection(year, scenario.start_year)], variables,
                      year=year, run_id=run_id, database=database, verbose=verbose, extra_env=env)
        if run.returncode == 0 or not is_transient(run.output) or attempt == len(BACKOFF_SECONDS):
            return run, attempt
        wait = BACKOFF_SECONDS[attempt]
        click.echo(f"year {year}: transient failure (retry {attempt + 1}/{len(BACKOFF_SECONDS)} in {wait}s): "
                   f"{runsafety.mask(explain_failure(run, year).message)}", err=True)
        runsafety.log_line(run_id, {"event": "retry", "year": year, "retry": attempt + 1, "wait_seconds": wait})
        time.sleep(wait)
    return run, len(BACKOFF_SECONDS)


def stale_later_years(database: Path, scenario: Scenario, end: int, current_hash: str) -> list[int]:
    """Years after `end` checkpointed under another configuration: they no longer follow from this run."""
    stale = []
    folder = runsafety.checkpoint_folder(database, scenario.scenario_id, scenario.plan_design_id)
    for path in sorted(folder.glob("year_*.done")):
        year = int(path.stem.split("_")[1])
        checkpoint = runsafety.read_checkpoint(database, scenario.scenario_id, scenario.plan_design_id, year)
        if year > end and (checkpoint or {}).get("config_hash") != current_hash:
            stale.append(year)
    return stale


def simulate_years(scenario: Scenario, start: int, end: int, *, verbose: bool = False, clear: str = "year",
                   command: str = "simulate") -> None:
    census = resolve_census_path(scenario)
    database = database_path()
    database.parent.mkdir(parents=True, exist_ok=True)
    run_id = new_run_id()
    try:
        runsafety.acquire_lock(database, run_id)
    except runsafety.RunSafetyError as exc:
        raise PlanAlignError(str(exc), hint="wait for that run to finish; a lock of a dead process is cleared "
                                            "by itself (RUNBOOK.md, 'Locking')") from None
    began = time.monotonic()
    summary = {"run_id": run_id, "command": command, "started_at": runsafety.now_utc(),
               "scenario_id": scenario.scenario_id, "plan_design_id": scenario.plan_design_id,
               "years": [start, end], "status": "running", "database": str(database),
               "year_seconds": {}, "rows": {}, "errors": [], "retries": 0}
    try:
        _simulate_locked(scenario, census, database, run_id, start, end, verbose, clear, summary)
        summary["status"] = "success"
    except PlanAlignError as exc:
        summary["status"] = "failed"
        summary["errors"].append(runsafety.mask(exc.message))
        raise
    except KeyboardInterrupt:
        summary["status"] = "interrupted"
        raise
    finally:
        summary["seconds"] = round(time.monotonic() - began, 1)
        backup = runsafety.list_backups(database)
        mine = [str(p) for p in backup if p.stem.endswith(f"_{run_id}")]
        summary["backup"] = mine[-1] if mine else None
        write_run_summary(summary)
        stamp_run_log(database, summary)
        runsafety.log_line(run_id, {"event": f"{command}_end", "status": summary["status"],
                                    "seconds": summary["seconds"]})
        runsafety.release_lock(database, run_id)
        print_run_summary(summary)


def _simulate_locked(scenario: Scenario, census: Path, database: Path, run_id: str, start: int, end: int,
                     verbose: bool, clear: str, summary: dict) -> None:
    if start == scenario.start_year:
        check_census_file(census)
    check_prior_year(scenario, start, database)
    variables = dbt_vars(scenario, census)
    config = run_config(scenario, census)
    current_hash = runsafety.config_hash(config)
    summary["config_hash"] = current_hash
    folder = runsafety.checkpoint_folder(database, scenario.scenario_id, scenario.plan_design_id)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    (folder / f"config_{current_hash[:16]}.json").write_text(json.dumps(config, sort_keys=True, indent=1))
    env = {"PLANALIGN_CONFIG_HASH": current_hash, "PLANALIGN_CENSUS_SHA256": config["census_sha256"],
           "PLANALIGN_GIT_SHA": runsafety.git_sha()}
    runsafety.log_line(run_id, {"event": f"{summary['command']}_start", "scenario_id": scenario.scenario_id,
                                "plan_design_id": scenario.plan_design_id, "years": [start, end],
                                "config_hash": current_hash, "clear": clear, **env})
    stale = stale_later_years(database, scenario, end, current_hash)
    if clear == "all":
        clear_scenario(database, scenario, run_id, from_year=None)
    elif stale:
        # later years built from another configuration no longer follow from these: remove them
        clear_scenario(database, scenario, run_id, from_year=end + 1)
        click.echo(f"years {', '.join(map(str, stale))} were made with another configuration: removed "
                   f"(backed up first); `make resume` or `make simulate START={end + 1}` rebuilds them")
    click.echo(f"run {run_id}: scenario '{scenario.scenario_id}', plan design '{scenario.plan_design_id}', "
               f"years {start}-{end}, database {database}")
    click.echo(AUDIT_HEADER)
    for year in range(start, end + 1):
        # one preflight backup per run: before its first write, never once per year
        year_env = {**env, "PLANALIGN_BACKUP": "on" if year == start else "off"}
        run, retries = run_year(year, scenario, variables, run_id, database, year_env, verbose)
        summary["retries"] += retries
        if run.returncode != 0:
            if year == scenario.start_year:
                explain_census(database)
            raise explain_failure(run, year)
        summary["year_seconds"][year] = round(run.elapsed_seconds, 1)
        with _connect_read_only(database) as con:
            if year == scenario.start_year:
                print_census_counts(con)
            print_audit_line(con, scenario, year, run.elapsed_seconds)
            summary["rows"][year] = dict(zip(("events", "snapshot"), con.execute(
                "select event_rows, snapshot_rows from rpt_year_digests where scenario_id = ? "
                "and plan_design_id = ? and simulation_year = ? and replication_id = 0",
                [scenario.scenario_id, scenario.plan_design_id, year]).fetchone() or (0, 0), strict=True))
    with _connect_read_only(database) as con:
        summary["report"] = str(write_summary(con, scenario, start, end).relative_to(PROJECT_ROOT))


def clear_scenario(database: Path, scenario: Scenario, run_id: str, from_year: int | None) -> None:
    """Back up first, then remove the scenario's rows and checkpoints (all years, or from from_year on)."""
    if not database.exists():
        return
    try:
        with duckdb.connect(str(database)) as con:
            con.execute("checkpoint")
            runsafety.make_backup(database, run_id, int(os.environ.get("PLANALIGN_BACKUP_KEEP",
                                                                       runsafety.DEFAULT_KEEP)))
            tables = [row[0] for row in con.execute(
                "select table_name from information_schema.columns where column_name = 'plan_design_id' "
                "and table_schema = 'main' and table_name like 'fct_%' group by 1").fetchall()]
            for table in tables:
                con.execute(f"delete from {table} where scenario_id = ? and plan_design_id = ? "
                            "and simulation_year >= ?",
                            [scenario.scenario_id, scenario.plan_design_id, from_year or 0])
    except duckdb.Error as exc:
        raise PlanAlignError(f"cannot clear scenario '{scenario.scenario_id}': {runsafety.mask(str(exc))}",
                             hint="close other programs using the database and try again") from None
    runsafety.clear_checkpoints(database, scenario.scenario_id, scenario.plan_design_id, from_year)


def stamp_run_log(database: Path, summary: dict) -> None:
    """The run-level rows of main.planalign_run_log (the dbt hooks stamp each invocation)."""
    if not summary["year_seconds"] or not database.exists():
        return
    try:
        with duckdb.connect(str(database)) as con:
            for event, status, at in (("start", "running", summary["started_at"]),
                                      ("end", summary["status"], runsafety.now_utc())):
                con.execute(
                    "insert into main.planalign_run_log (run_id, command, event, scenario_id, plan_design_id, "
                    "simulation_year, config_hash, status, node_counts, logged_at) "
                    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, cast(? as timestamp))",
                    [summary["run_id"], summary["command"], event, summary["scenario_id"], summary["plan_design_id"],
                     summary["years"][0], summary.get("config_hash"), status,
                     json.dumps({"years": summary["years"], "years_done": list(summary["year_seconds"])}),
                     at.rstrip("Z")])
    except duckdb.Error as exc:
        click.echo(f"warning: could not stamp the run log table: {runsafety.mask(str(exc))}", err=True)


def write_run_summary(summary: dict) -> Path:
    folder = PROJECT_ROOT / "artifacts" / "runs" / summary["run_id"]
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / "summary.json"
    path.write_text(runsafety.mask(json.dumps(summary, indent=1, sort_keys=True, default=str)) + "\n")
    return path


def print_run_summary(summary: dict) -> None:
    years = summary["year_seconds"]
    click.echo(f"run {summary['run_id']}: {summary['status']}; years done {len(years)} "
               f"({', '.join(map(str, years)) or 'none'}) in {summary['seconds']}s; retries {summary['retries']}; "
               f"backup {summary['backup'] or 'none (nothing to back up yet)'}; "
               f"summary artifacts/runs/{summary['run_id']}/summary.json", err=summary["status"] != "success")


scenario_option = click.option("--scenario", "scenario_file", type=click.Path(path_type=Path),
                               default=DEFAULT_SCENARIO, show_default=True, help="scenario YAML file")
census_option = click.option("--census", "census_path", default=None,
                             help="census file (.csv or .parquet); overrides the scenario's census_path")
plan_design_option = click.option("--plan-design", "plan_design_id", default=None,
                                  help="plan design id (a row of seeds/plan_designs.csv); overrides the scenario's")
verbose_option = click.option("-v", "--verbose", is_flag=True, help="show dbt's own output")
clear_option = click.option("--clear", type=click.Choice(["year", "all"]), default="year", show_default=True,
                            help="year: replace only the years run; all: first remove every year and checkpoint "
                                 "of the scenario and plan design (after a backup)")


def _census_override(census_path: str | None) -> str | None:
    return str(Path(census_path).resolve()) if census_path else None


@click.command("simulate")
@scenario_option
@census_option
@plan_design_option
@clear_option
@click.option("--start", type=int, default=None, help="first year (default: the scenario's start_year)")
@click.option("--end", type=int, default=None, help="last year (default: the scenario's end_year)")
@verbose_option
def simulate_command(scenario_file: Path, census_path: str | None, plan_design_id: str | None, clear: str,
                     start: int | None, end: int | None, verbose: bool) -> None:
    """Simulate the years START..END in order (one dbt build per year)."""
    overrides = {"census_path": _census_override(census_path), "plan_design_id": plan_design_id}
    scenario = load_scenario(scenario_file, overrides)
    first = scenario.start_year if start is None else start
    last = scenario.end_year if end is None else end
    if start is not None and start < scenario.start_year:
        scenario = load_scenario(scenario_file, {**overrides, "start_year": start})
    if last < first:
        raise PlanAlignError(f"END {last} is before START {first}")
    if clear == "all" and first != scenario.start_year:
        raise PlanAlignError(f"--clear all removes every year of the scenario, so it must start at "
                             f"start_year {scenario.start_year}, not {first}", hint="drop START= or use --clear year")
    simulate_years(scenario, first, last, verbose=verbose, clear=clear)


@click.command("year")
@scenario_option
@census_option
@plan_design_option
@click.argument("year", type=int)
@verbose_option
def year_command(scenario_file: Path, census_path: str | None, plan_design_id: str | None, year: int,
                 verbose: bool) -> None:
    """Simulate (or re-run) one YEAR: a single dbt build."""
    scenario = load_scenario(scenario_file, {"census_path": _census_override(census_path),
                                             "plan_design_id": plan_design_id})
    simulate_years(scenario, year, year, verbose=verbose)


@click.command("check-config")
@click.argument("scenario_files", nargs=-1, type=click.Path(path_type=Path))
def check_config_command(scenario_files: tuple[Path, ...]) -> None:
    """Validate scenario files (all of scenarios/ by default) without running anything."""
    files = scenario_files or tuple(sorted((PROJECT_ROOT / "scenarios").glob("*.yml")))
    for file in files:
        scenario = load_scenario(file)
        click.echo(f"ok: {file.name} (scenario '{scenario.scenario_id}', plan design "
                   f"'{scenario.plan_design_id}', years {scenario.start_year}-{scenario.end_year})")
    for plan_design_id in plan_design_ids():
        load_plan_design(plan_design_id)
    click.echo(f"ok: seeds/plan_designs.csv ({', '.join(plan_design_ids())})")
