"""The year protocol, in one place: which years a run builds, skips or clears, and how it builds them.

A run holds the database's lock for its whole length and makes one backup, before its first write,
however many scenarios, plan designs and years it builds. Each year of a (scenario, plan design,
replication set) is one `dbt build`; every replication of a Monte Carlo set is built in that same
invocation (replications are a dimension of the models).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planalign import settings
from planalign.dbt import overrides
from planalign.dbt.runner import DbtRun, explain_failure, run_dbt, year_selection
from planalign.engine.census import census_for_dbt, census_sheet_name, check_census_file
from planalign.engine.config import Effective, seed_hashes
from planalign.engine.plan_designs import seed_sources
from planalign.engine.results import CensusCounts, PairResult, RunObserver, RunSummary, YearAudit, YearDone
from planalign.errors import PlanAlignError
from planalign.paths import PROJECT_ROOT, report_folder
from planalign.reports import html as report_html
from planalign.settings import check_tuning
from planalign.store import db, failures, runsafety, spark


def new_run_id() -> str:
    return f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}_{os.getpid()}"


@dataclass
class YearPlan:
    """What a run will do for one (scenario, plan design, replication set): decided before any write."""

    effective: Effective
    years: list[int]
    skipped: list[int] = field(default_factory=list)
    clear_from: int | None = None  # remove the track's years from here on first (after the backup)
    clear_above: int | None = None  # remove replications above N (a smaller Monte Carlo set)
    reasons: list[str] = field(default_factory=list)
    reload_seeds: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        lines = [*self.reasons]
        if self.clear_from is not None:
            lines.append(f"clear: years from {self.clear_from} of {self.effective.label} (after the backup)")
        if self.clear_above is not None:
            lines.append(f"clear: replications above {self.clear_above} of {self.effective.label}")
        if self.reload_seeds:
            lines.append(f"reload seeds: {', '.join(f'seeds/{name}.csv' for name in self.reload_seeds)}")
        if self.skipped:
            lines.append(f"skip: {', '.join(map(str, self.skipped))} (checkpoint matches)")
        lines.append(f"run: {', '.join(map(str, self.years)) or 'nothing'}")
        return lines


@dataclass
class Run:
    """One CLI command's hold on the database: its id, lock, single backup, summary, and who hears of it."""

    database: Path
    command: str
    observer: RunObserver = field(default_factory=RunObserver)
    run_id: str = field(default_factory=new_run_id)
    backed_up: bool = False
    began: float = field(default_factory=time.monotonic)
    summary: RunSummary | None = None
    write_reports: bool = True  # False: the summary CSV and the HTML report are not written (a tool's scratch runs)
    # True: a throw-away database read for its workforce only (a backtest): the lean selection of
    # runner.year_selection, and no year checkpoint (nothing resumes it; its digests read every row of the year)
    lean: bool = False
    # the engine dbt builds on: duckdb (profiles.yml output local) or spark (output spark; planalign.store.spark)
    target: str = "duckdb"

    @property
    def on_spark(self) -> bool:
        return self.target == "spark"

    def would_back_up(self) -> bool:
        return not self.backed_up and self.database.exists() and self.database.stat().st_size > 0


# ---- planning -------------------------------------------------------------------------------------

def changed_keys(database: Path, effective: Effective, old_hash: str, config: dict[str, Any]) -> list[str]:
    """What differs between the configuration a checkpoint was made with and this one, by name."""
    folder = runsafety.checkpoint_folder(database, effective.key)
    try:
        old = json.loads((folder / f"config_{old_hash[:16]}.json").read_text())
    except (OSError, ValueError):
        return ["(the earlier configuration was not kept)"]
    changes = []
    sources = seed_sources(effective.design)
    for key in sorted(set(old) | set(config)):
        before, after = old.get(key), config.get(key)
        if before == after:
            continue
        if key == "plan_design" and isinstance(before, dict) and isinstance(after, dict):
            for part in sorted(set(before) | set(after)):
                if before.get(part) != after.get(part):
                    source = sources.get(part) or (sources.get("row") if part not in sources else None)
                    changes.append(f"{source} changed" if source else
                                   f"plan_design.{part}: {_short(before.get(part))} -> {_short(after.get(part))}")
        elif key == "assumptions" and isinstance(before, dict) and isinstance(after, dict):
            for table in sorted(set(before) | set(after)):
                old_table, new_table = before.get(table) or {}, after.get(table) or {}
                if (old_table.get("sha256"), old_table.get("source")) != \
                        (new_table.get("sha256"), new_table.get("source")):
                    source = new_table.get("source", "seed")
                    changes.append(f"assumption table {table} "
                                   f"({f'seeds/{table}.csv' if source == 'seed' else source}) changed")
        elif key.startswith("seeds/"):
            changes.append(f"{key} changed")
        else:
            changes.append(f"{key}: {_short(before)} -> {_short(after)}")
    return sorted(set(changes))


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def plan_years(database: Path, effective: Effective, start: int, end: int, clear: str) -> YearPlan:
    """simulate / year / batch: run START..END; with clear 'all' first remove every year of the track."""
    plan = YearPlan(effective, list(range(start, end + 1)))
    current = runsafety.config_hash(effective.run_config())
    if clear == "all":
        plan.clear_from = effective.start_year
        plan.reasons.append("--clear all: every year of the scenario is removed first")
    else:
        stale = _stale_later_years(database, effective, end, current)
        if stale:
            plan.clear_from = end + 1
            plan.reasons.append(f"years {', '.join(map(str, stale))} were made with another configuration: "
                                f"removed (`make resume` rebuilds them)")
    _plan_replications(database, effective, plan)
    _plan_seeds(database, effective, plan)
    return plan


def plan_resume(database: Path, effective: Effective, end: int | None = None) -> YearPlan:
    """The first year whose checkpoint is missing or no longer matches the database or the config (up to END,
    by default the scenario's end_year)."""
    config = effective.run_config()
    current = runsafety.config_hash(config)
    digests = db.year_digests(database, effective.key)
    start, end = effective.start_year, effective.end_year if end is None else end
    plan = YearPlan(effective, [])
    for year in range(start, end + 1):
        checkpoint = runsafety.read_checkpoint(database, effective.key, year)
        if checkpoint is None:
            plan.reasons.append(f"year {year} has no completed checkpoint")
        elif checkpoint.get("config_hash") != current:
            changes = "; ".join(changed_keys(database, effective, checkpoint.get("config_hash", ""), config))
            plan.reasons.append(f"{changes} since {year} was built: the configuration changed, so every year "
                                f"is rebuilt from {start}")
            plan.clear_from, year = start, start
        elif digests.get(year) != (checkpoint.get("event_rows"), checkpoint.get("events_digest"),
                                   checkpoint.get("snapshot_rows"), checkpoint.get("snapshot_digest")):
            plan.reasons.append(f"year {year} in the database no longer matches its checkpoint")
        else:
            continue
        plan.years = list(range(year, end + 1))
        plan.skipped = list(range(start, year))
        break
    else:
        plan.skipped = list(range(start, end + 1))
        plan.reasons.append(f"every year {start}-{end} is done and matches its checkpoint")
    _plan_replications(database, effective, plan)
    _plan_seeds(database, effective, plan)
    return plan


def _stale_later_years(database: Path, effective: Effective, end: int, current_hash: str) -> list[int]:
    stale = []
    for path in sorted(runsafety.checkpoint_folder(database, effective.key).glob("year_*.done")):
        year = int(path.stem.split("_")[1])
        checkpoint = runsafety.read_checkpoint(database, effective.key, year)
        if year > end and (checkpoint or {}).get("config_hash") != current_hash:
            stale.append(year)
    return stale


def _plan_replications(database: Path, effective: Effective, plan: YearPlan) -> None:
    """A Monte Carlo set of N replaces a larger earlier set: replications above N are removed."""
    n = effective.scenario.replications
    if n and plan.years and db.highest_replication(database, effective.key, effective.start_year) > n:
        plan.clear_above = n


def _plan_seeds(database: Path, effective: Effective, plan: YearPlan) -> None:
    """Seeds load in the start year; a later first year reloads those whose content changed since."""
    if not plan.years or plan.years[0] == effective.start_year:
        return
    try:
        loaded = json.loads(runsafety.seeds_record(database).read_text())
    except (OSError, ValueError):
        loaded = {}
    plan.reload_seeds = [name for name, sha in seed_hashes().items() if loaded.get(name) != sha]


def record_seeds(database: Path) -> None:
    path = runsafety.seeds_record(database)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(seed_hashes(), sort_keys=True, indent=1))
    tmp.replace(path)


# ---- running --------------------------------------------------------------------------------------

def _run_year(run: Run, plan: YearPlan, year: int, variables: dict, env: dict) -> tuple[DbtRun, int]:
    """One year's dbt build; a transient failure (lock conflict, I/O hiccup) is retried after 2, 4, 8 s."""
    effective = plan.effective
    first = year == plan.years[0]
    reload = plan.reload_seeds if first else []
    for attempt in range(len(db.BACKOFF_SECONDS) + 1):
        try:
            target = ["--target", "spark"] if run.on_spark else []
            result = run_dbt(["build", *target, *year_selection(year, effective.start_year, reload, first_of_run=first,
                                                                lean=run.lean, spark=run.on_spark)],
                             variables, year=year, run_id=run.run_id, database=run.database,
                             on_line=lambda line: run.observer.dbt_line(year, line), extra_env=env)
        finally:
            run.observer.dbt_done(year)
        if result.returncode == 0 or not failures.is_transient(result.output) or attempt == len(db.BACKOFF_SECONDS):
            return result, attempt
        wait = db.BACKOFF_SECONDS[attempt]
        run.observer.retrying(year, attempt + 1, len(db.BACKOFF_SECONDS), wait,
                              runsafety.mask(explain_failure(result, year).message))
        runsafety.log_line(run.run_id, {"event": "retry", "year": year, "retry": attempt + 1, "wait_seconds": wait})
        time.sleep(wait)
    return result, len(db.BACKOFF_SECONDS)


def _backup_now(run: Run) -> None:
    """The run's one backup, taken by the CLI itself when the run must clear rows before any dbt build."""
    if not run.would_back_up():
        return
    db.checkpoint(run.database)
    try:
        runsafety.make_backup(run.database, run.run_id,
                              int(settings.get("PLANALIGN_BACKUP_KEEP")))
    except runsafety.RunSafetyError as exc:
        raise PlanAlignError(str(exc), hint="free disk space, then run again; nothing was written") from None
    run.backed_up = True


def execute(run: Run, plan: YearPlan) -> PairResult:
    """Build the plan's years in order. The pair's result is added to the run's summary before anything runs
    and kept up to date, so a failure (PlanAlignError, raised on) still records the years that were done."""
    result = PairResult(plan.effective.key)
    if run.summary is not None:
        run.summary.results.append(result)
    try:
        _execute(run, plan, result)
    except PlanAlignError as exc:
        result.status, result.error = "failed", exc.message
        if run.summary is not None:
            run.summary.errors.append(f"{plan.effective.label}: {exc.message}")
        raise
    result.status = "success"
    return result


def _execute(run: Run, plan: YearPlan, result: PairResult) -> None:
    effective = plan.effective
    key, ids = effective.key, effective.replication_ids
    if run.on_spark:
        _execute_on_spark(run, plan, result)
        return
    if not plan.years:  # resumed and every year is done: report what is stored
        for line in plan.reasons:
            run.observer.notice(line)
        with db.read_only(run.database) as con:
            result.employer_cost = db.employer_cost(con, key, effective.start_year, effective.end_year)
        return
    if plan.years[0] == effective.start_year:
        check_census_file(effective.census, effective.scenario.census_encoding, effective.scenario.census_sheet)
    elif db.replications_with_year(run.database, key, plan.years[0] - 1) < len(ids):
        raise PlanAlignError(
            f"year {plan.years[0] - 1} has not been simulated for {effective.label} in {run.database}, "
            f"so year {plan.years[0]} has no starting workforce",
            hint=f"run the years in order: make simulate START={effective.start_year} END={plan.years[0]}")
    variables, env, current_hash = _run_inputs(run, plan)
    result.config_hash = current_hash
    if plan.clear_from is not None or plan.clear_above is not None:
        _backup_now(run)
        if plan.clear_from is not None:
            db.clear_rows(run.database, key, from_year=plan.clear_from)
            runsafety.clear_checkpoints(run.database, key, plan.clear_from)
        if plan.clear_above is not None:
            db.clear_rows(run.database, key, above=plan.clear_above)
    for line in plan.reasons:
        run.observer.notice(line)
    run.observer.pair_started(run.run_id, key, plan.years, str(run.database))
    for year in plan.years:
        # one backup per run, before its first write: never once per year or per scenario
        year_env = {**env, "PLANALIGN_BACKUP": "off" if run.backed_up else "on"}
        dbt_run, retries = _run_year(run, plan, year, variables, year_env)
        run.backed_up = True
        result.retries += retries
        if dbt_run.returncode != 0:
            if year == effective.start_year:
                explain_census(run, effective)
            raise explain_failure(dbt_run, year)
        if year == effective.start_year or (plan.reload_seeds and year == plan.years[0]):
            record_seeds(run.database)
        result.years_done.append(year)
        result.year_seconds[year] = round(dbt_run.elapsed_seconds, 1)
        with db.read_only(run.database) as con:
            if year == effective.start_year:
                run.observer.census(census_counts(con, effective))
            events, snapshot = db.year_rows(con, key, year)
            result.rows[year] = {"events": events, "snapshot": snapshot}
            audit = YearAudit.from_row(db.audit_line(con, key, year))
        run.observer.year_done(YearDone(year, dbt_run.elapsed_seconds, events, snapshot, audit))
    with db.read_only(run.database) as con:
        result.employer_cost = db.employer_cost(con, key, effective.start_year, plan.years[-1])
        if not run.write_reports:
            return
        result.summary_csv = str(write_summary(con, run.database, effective, plan.years[0], plan.years[-1])
                                 .relative_to(PROJECT_ROOT))
        page = report_html.write_run_report(con, key, effective.scenario.description,
                                            report_folder(run.database, key.scenario_id, key.plan_design_id))
        result.html = str(page.relative_to(PROJECT_ROOT))
    run.observer.reports_written(result.html, result.summary_csv)


def _run_inputs(run: Run, plan: YearPlan) -> tuple[dict[str, Any], dict[str, str], str]:
    """The dbt vars and environment of a pair's builds, its configuration hash; its config file and the start
    line of the pair in the run log are written."""
    effective = plan.effective
    variables = effective.dbt_vars()
    # a census in another encoding reaches dbt as a UTF-8 copy beside the database (line numbers kept), a
    # workbook as a Parquet copy of its sheet (sheet row numbers kept); provenance names the user's file
    census = effective.census
    variables["census_path"] = str(census_for_dbt(census, effective.scenario.census_encoding,
                                                  run.database.parent / "census_utf8" / run.database.stem,
                                                  effective.scenario.census_sheet))
    if Path(variables["census_path"]).name != census.name:
        variables["census_file"] = census.name
    sheet = census_sheet_name(census, effective.scenario.census_sheet)
    if sheet is not None:
        variables["census_sheet"] = sheet
    config = effective.run_config()
    current_hash = runsafety.config_hash(config)
    folder = runsafety.checkpoint_folder(run.database, effective.key)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    (folder / f"config_{current_hash[:16]}.json").write_text(json.dumps(config, sort_keys=True, indent=1))
    env = {"PLANALIGN_CONFIG_HASH": current_hash, "PLANALIGN_CENSUS_SHA256": config["census_sha256"],
           "PLANALIGN_GIT_SHA": runsafety.git_sha(), **({"PLANALIGN_CHECKPOINT": "off"} if run.lean else {})}
    runsafety.log_line(run.run_id, {"event": "pair_start", "scenario_id": effective.scenario_id,
                                    "plan_design_id": effective.plan_design_id,
                                    "replications": effective.replication_ids, "years": plan.years,
                                    "config_hash": current_hash, **({"target": "spark"} if run.on_spark else {}),
                                    **env})
    return variables, env, current_hash


def _execute_on_spark(run: Run, plan: YearPlan, result: PairResult) -> None:
    """The years on Spark (TARGET=spark): the same builds; what the hooks plugin does on DuckDB, the CLI does
    here around them: the run's SparkSession with planalign_ssn_hash (opened once, shared by every year), the
    backup of a local warehouse folder before the first write, the run log (logs/run_<run_id>.jsonl). Not yet
    on Spark (docs/scaling-out.md): checkpoints and resume, --clear, the run-log table, the year's audit line,
    the summary CSV and the HTML report."""
    effective = plan.effective
    if plan.clear_from is not None or plan.clear_above is not None:
        raise PlanAlignError("clearing stored years or replications is not done on Spark yet",
                             hint="use a new warehouse (PLANALIGN_SPARK_WAREHOUSE) or run on DuckDB")
    if plan.years and plan.years[0] != effective.start_year and not spark.has_data(run.database):
        raise PlanAlignError(f"the Spark warehouse {spark.warehouse(run.database)} holds no simulated year, so "
                             f"year {plan.years[0]} has no starting workforce",
                             hint=f"run the years in order: make simulate TARGET=spark START={effective.start_year}")
    check_census_file(effective.census, effective.scenario.census_encoding, effective.scenario.census_sheet)
    variables, env, current_hash = _run_inputs(run, plan)
    result.config_hash = current_hash
    if not run.backed_up:
        copy = spark.backup(run.database, run.run_id)
        runsafety.log_line(run.run_id, {"event": "backup", "target": "spark", "path": str(copy) if copy else None})
        run.backed_up = True
    opened = time.monotonic()
    session = spark.session(run.database)
    runsafety.log_line(run.run_id, {"event": "spark_session", "seconds": round(time.monotonic() - opened, 3)})
    run.observer.pair_started(run.run_id, effective.key, plan.years, str(spark.warehouse(run.database)))
    for year in plan.years:
        dbt_run, retries = _run_year(run, plan, year, variables, {**env, "PLANALIGN_BACKUP": "off"})
        result.retries += retries
        if dbt_run.returncode != 0:
            raise explain_failure(dbt_run, year)
        result.years_done.append(year)
        result.year_seconds[year] = round(dbt_run.elapsed_seconds, 1)
        events, snapshot = spark.year_rows(session, effective.scenario_id, effective.plan_design_id,
                                           effective.replication_ids, year)
        result.rows[year] = {"events": events, "snapshot": snapshot}
        runsafety.log_line(run.run_id, {"event": "year_done", "target": "spark", "year": year, "events": events,
                                        "snapshot": snapshot, "seconds": result.year_seconds[year]})
        run.observer.notice(f"{year}: {events:,} events, {snapshot:,} snapshot rows in {dbt_run.elapsed_seconds:.1f}s "
                            f"(Spark)")


def write_summary(con: Any, database: Path, effective: Effective, start: int, end: int) -> Path:
    """reports/[db_<name>_<tag>/]<scenario>/<design>/multi_year_summary_<start>_<end>[_mc<N>].csv"""
    folder = report_folder(database, effective.scenario_id, effective.plan_design_id)
    name = f"multi_year_summary_{start}_{end}{effective.replications.file_suffix}.csv"
    return db.write_summary(con, folder / name, effective.key, start, end)


# ---- the census ------------------------------------------------------------------------------------

def census_counts(con: Any, effective: Effective) -> CensusCounts:
    """The census reconciliation of the run's scenario and design: staged, rejected, excluded, warned."""
    rows = db.census_counts(con, effective.key)
    totals = {status: sum(n for s, _, n, _ in rows if s == status) for status in ("staged", "rejected", "excluded")}
    warned = sum(w for s, _, _, w in rows if s == "staged")
    reasons = sorted(((reason, n) for s, reason, n, _ in rows if s == "rejected"), key=lambda r: (-r[1], r[0]))
    warnings = db.report_census_warnings(con, effective.key)[1] if warned else []
    return CensusCounts(totals["staged"], totals["rejected"], totals["excluded"], warned, reasons,
                        [(reason, n) for reason, n in warnings],
                        _first_rejected(con, effective) if totals["rejected"] else [])


def _first_rejected(con: Any, effective: Effective, limit: int = 3) -> list[tuple[str, str]]:
    """The first rejected rows, named as the user finds them: the CSV line, the sheet row of a workbook
    (row 7 of sheet Employees in census.xlsx), or the data row of a Parquet file."""
    census = effective.census
    sheet = census_sheet_name(census, effective.scenario.census_sheet) if census.exists() else None
    named = []
    for position, (row_number, line_number, reason) in enumerate(db.first_rejects(con, effective.key, limit)):
        if sheet is not None:
            where = f"row {line_number}" + (f" of sheet {sheet} in {census.name}" if position == 0 else "")
        elif line_number is not None:
            where = f"line {line_number}" + (f" of {census.name}" if position == 0 else "")
        else:
            where = f"data row {row_number}" + (f" of {census.name}" if position == 0 else "")
        named.append((where, reason))
    return named


def explain_census(run: Run, effective: Effective) -> None:
    """After a failed start year: report the census counts, and name an empty census as the cause."""
    try:
        with db.read_only(run.database) as con:
            counts = census_counts(con, effective)
    except Exception:  # noqa: BLE001 - staging itself did not finish: the dbt failure says why
        return
    run.observer.census(counts)
    if counts.staged == 0:
        raise PlanAlignError("the census has no row that can be simulated (see the counts above)",
                             hint="fix the rejected rows (select * from stg_census__rejects) and run again")


# ---- a whole run: lock, summary, run log ----------------------------------------------------------

def start(run: Run, years: list[int], pairs: list[str]) -> None:
    check_tuning()
    overrides.preflight()  # PLANALIGN_PLAIN_DBT, and dbt still has what the overrides rely on
    run.database.parent.mkdir(parents=True, exist_ok=True)
    try:
        runsafety.acquire_lock(run.database, run.run_id)
    except runsafety.RunSafetyError as exc:
        raise PlanAlignError(str(exc), hint="wait for that run to finish; a lock of a dead process is cleared "
                                            "by itself (RUNBOOK.md, 'Locking')") from None
    run.summary = RunSummary(run.run_id, run.command, runsafety.now_utc(), str(run.database), pairs, years)
    runsafety.log_line(run.run_id, {"event": f"{run.command}_start", "pairs": pairs, "years": years})


@contextmanager
def running(run: Run, years: list[int], pairs: list[str]) -> Iterator[Run]:
    """start, then finish with the status the body ended in: success, failed (an error) or interrupted (Ctrl-C)."""
    start(run, years, pairs)
    status = "failed"
    try:
        yield run
        status = "success"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        finish(run, status)


def finish(run: Run, status: str) -> RunSummary:
    """Close the run: its summary.json, its run-log rows, the lock released; returns the summary."""
    summary = run.summary
    summary.status = status
    summary.seconds = round(time.monotonic() - run.began, 1)
    mine = [str(p) for p in runsafety.list_backups(run.database) if p.stem.endswith(f"_{run.run_id}")]
    summary.backup = mine[-1] if mine else None
    folder = PROJECT_ROOT / "artifacts" / "runs" / run.run_id
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    (folder / "summary.json").write_text(
        runsafety.mask(json.dumps(summary.record(), indent=1, sort_keys=True, default=str)) + "\n")
    if any(r.years_done for r in summary.results) and run.database.exists():
        db.stamp_run_log(run.database, [
            [run.run_id, run.command, event, r.key.scenario_id, r.key.plan_design_id, (summary.years or [None])[0],
             r.config_hash, state, json.dumps({"years": summary.years, "years_done": r.years_done,
                                               "replications": r.key.replications.count}),
             at.rstrip("Z")]
            for r in summary.results
            for event, state, at in (("start", "running", summary.started_at),
                                     ("end", r.status if r.status != "pending" else status, runsafety.now_utc()))])
    runsafety.log_line(run.run_id, {"event": f"{run.command}_end", "status": status, "seconds": summary.seconds})
    runsafety.release_lock(run.database, run.run_id)
    run.observer.run_finished(summary)
    return summary


def simulate_into(database: Path, effective: Effective, command: str,
                  observer: RunObserver | None = None, lean: bool = False) -> PairResult:
    """A whole run of the configuration's years into `database` (a tool's own file: census-history, calibrate),
    under its own lock and run log, without the summary CSV and HTML report. Raises PlanAlignError on failure.
    lean: see Run.lean."""
    years = list(range(effective.start_year, effective.end_year + 1))
    return _tool_run(database, command, observer, years, effective.label,
                     [lambda: plan_years(database, effective, effective.start_year, effective.end_year, "year")],
                     lean)[0]


def simulate_year_by_year(database: Path, effectives: list[Effective], command: str,
                          observer: RunObserver | None = None, lean: bool = False) -> list[PairResult]:
    """Like simulate_into, but the k-th configuration builds the k-th year from the start year on, each year
    on the state the year before left (as `make year` does): a setting may differ from year to year (the
    backtest's observed growth of each held-out year). One lock, one run log, no summary CSV or HTML."""
    first = effectives[0].start_year
    years = list(range(first, first + len(effectives)))
    plans = [lambda year=year, effective=effective: plan_years(database, effective, year, year, "year")
             for year, effective in zip(years, effectives, strict=True)]
    return _tool_run(database, command, observer, years, effectives[0].label, plans, lean)


def _tool_run(database: Path, command: str, observer: RunObserver | None, years: list[int], label: str,
              plans: list, lean: bool = False) -> list[PairResult]:
    """A tool's run: each plan made just before it runs (it reads what the previous one stored)."""
    run = Run(database, command, observer or RunObserver(), write_reports=False, lean=lean)
    with running(run, years, [label]):
        return [execute(run, plan()) for plan in plans]
