"""Running: `simulate` (START..END), `year` (one year) and `batch` (a grid of scenarios x plan designs)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import click

from planalign.cli import options, sensitivity
from planalign.cli import study as tornado_job
from planalign.cli.console import Console, show_error
from planalign.cli.report import echo_decision_summary, gather_study, write_comparison
from planalign.engine import uncertainty, years
from planalign.engine.results import PairResult
from planalign.errors import PlanAlignError
from planalign.paths import PROJECT_ROOT, checked_database
from planalign.store import spark


def print_dry_run(run: years.Run, plans: list[years.YearPlan]) -> None:
    click.echo(f"dry run ({run.command}, database {run.database}): nothing is written")
    for plan in plans:
        click.echo(f"{plan.effective.label} ({' -> '.join(p.name for p in plan.effective.chain)}):")
        for line in plan.describe():
            click.echo(f"  {line}")
    backup = any(plan.years for plan in plans) and run.would_back_up()
    click.echo(f"backup: {'yes, once, before the first write' if backup else 'no (nothing to back up yet)'}"
               if any(plan.years for plan in plans) else "backup: no (nothing to run)")


def run_one(command: str, database: Path, plan: years.YearPlan, dry_run: bool, verbose: bool,
            target: str = "duckdb") -> None:
    """One (scenario, design, replication set) under its own run: stops at the first failure."""
    run = years.Run(database, command, Console(verbose=verbose), target=target)
    if dry_run:
        print_dry_run(run, [plan])
        return
    with years.running(run, plan.years, [plan.effective.label]):
        years.execute(run, plan)


@click.command("simulate")
@options.configuration
@options.clear
@options.start
@click.option("--end", type=int, default=None, help="last year (default: the scenario's end_year)")
@click.option("--target", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="the engine: DuckDB (the database file) or Apache Spark (make setup-spark; docs/scaling-out.md)")
@options.dry_run
@options.verbose
def simulate_command(scenario_name: str, census_path: str | None, census_sheet: str | None, plan_design_id: str | None,
                     sets: tuple[str, ...], replications: int | None, clear: str, start: int | None,
                     end: int | None, target: str, dry_run: bool, verbose: bool) -> None:
    """Simulate the years START..END in order (one dbt build per year, every replication at once)."""
    if target == "spark":
        spark.check_installed()
    database = checked_database(writing=True)
    effective = options.effective_from(database, scenario_name, census_path, plan_design_id, sets, replications,
                                       start, census_sheet)
    first = effective.start_year if start is None else start
    last = effective.end_year if end is None else end
    if last < first:
        raise PlanAlignError(f"END {last} is before START {first}")
    if clear == "all" and first != effective.start_year:
        raise PlanAlignError(f"--clear all removes every year of the scenario, so it must start at "
                             f"start_year {effective.start_year}, not {first}", hint="drop START= or use --clear year")
    run_one("simulate", database, years.plan_years(database, effective, first, last, clear), dry_run, verbose,
            target)


@click.command("year")
@options.configuration
@click.argument("year", type=int)
@options.start
@options.dry_run
@options.verbose
def year_command(scenario_name: str, census_path: str | None, census_sheet: str | None, plan_design_id: str | None,
                 sets: tuple[str, ...], replications: int | None, year: int, start: int | None, dry_run: bool,
                 verbose: bool) -> None:
    """Simulate (or re-run) one YEAR: a single dbt build (of a run opened in a later START: found in the
    database, or say --start)."""
    database = checked_database(writing=True)
    effective = options.effective_from(database, scenario_name, census_path, plan_design_id, sets, replications,
                                       start, census_sheet, infer=True)
    if year < effective.start_year:
        raise PlanAlignError(f"year {year} is before the run's first year {effective.start_year}",
                             hint=f"choose a year from {effective.start_year} on")
    run_one("year", database, years.plan_years(database, effective, year, year, "year"), dry_run, verbose)


@dataclass
class BatchRow:
    """One (scenario, design) of a batch: its plan (None when its configuration was refused), its result."""

    label: str
    plan: years.YearPlan | None
    error: str | None = None
    result: PairResult | None = None
    scenario_name: str = ""
    plan_design_id: str | None = None
    first: int = 0
    last: int = 0

    @property
    def status(self) -> str:
        if self.plan is None:
            return "failed"
        return self.result.status if self.result else "pending"


def split_names(text: str | None) -> list[str]:
    return [name for name in re.split(r"[\s,]+", text or "") if name]


@click.command("batch")
@click.option("--scenarios", "scenario_names", required=True,
              help='scenarios to run, space- or comma-separated: "baseline qaca_switch high_growth"')
@click.option("--plans", "plan_names", default=None,
              help="plan designs to cross with every scenario (default: each scenario's own design)")
@options.sets
@options.replications
@options.clear
@click.option("--resume", "resume", is_flag=True, help="skip the years whose checkpoint matches (after a crash)")
@options.start
@click.option("--end", type=int, default=None, help="last year (default: each scenario's end_year)")
@click.option("--compare/--no-compare", default=True, show_default=True,
              help="write reports/compare/<first>__vs__<other>.csv for every other pair at the end")
@click.option("--tornado/--no-tornado", default=True, show_default=True,
              help="end with the sensitivity of each alternative's net cost difference from the first (a tornado "
                   "in the decision summary): every assumption at its low and high value, all points in one run "
                   "per design")
@click.option("--vary", default=None, metavar='"KEY=LOW:HIGH ..."',
              help="the tornado's assumptions and ranges (default: " + ", ".join(uncertainty.BATCH_KEYS) +
                   ", each +/- its fitted 90% interval or stated range)")
@click.option("--assumption-uncertainty/--no-assumption-uncertainty", "drawn", default=True, show_default=True,
              help="a Monte Carlo set also draws the uncertain assumptions per replication (parameter_uncertainty: "
                   "true), so its bands cover random draws and assumption uncertainty; --no-assumption-uncertainty "
                   "leaves it to each scenario's own parameter_uncertainty")
@options.dry_run
@options.verbose
def batch_command(scenario_names: str, plan_names: str | None, sets: tuple[str, ...], replications: int | None,
                  clear: str, resume: bool, start: int | None, end: int | None, compare: bool, tornado: bool,
                  vary: str | None, drawn: bool, dry_run: bool, verbose: bool) -> None:
    """Run a grid of scenarios (x plan designs) into one database, under one lock and one backup.

    A Monte Carlo grid draws the uncertain assumptions per replication unless --no-assumption-uncertainty (the bands
    then cover what we do not know about the rates too; every design draws the same values, so differences stay
    paired). A failing scenario is reported and the others still run; the exit code is 1 unless all succeeded."""
    specs = uncertainty.parse_vary(vary)  # refused in one line before anything runs
    database = checked_database(writing=True)
    run = years.Run(database, "batch", Console(verbose=verbose))
    rows: list[BatchRow] = []
    for name in split_names(scenario_names):
        for plan_design_id in split_names(plan_names) or [None]:
            label = f"{name}/{plan_design_id}" if plan_design_id else name
            try:
                effective = options.effective_from(database, name, None, plan_design_id, sets, replications,
                                                   start, infer=resume)
                if drawn and effective.replications.is_monte_carlo and not effective.scenario.parameter_uncertainty:
                    effective = options.effective_from(database, name, None, plan_design_id,
                                                       (*sets, "parameter_uncertainty=true"), replications, start,
                                                       infer=resume)
                first = effective.start_year if start is None else start
                last = options.resume_end(database, effective, end) if resume else \
                    effective.end_year if end is None else end
                if last < first:
                    raise PlanAlignError(f"END {last} is before START {first}")
                plan = years.plan_resume(database, effective, last) if resume else \
                    years.plan_years(database, effective, first, last, clear)
                rows.append(BatchRow(effective.label, plan, scenario_name=name, plan_design_id=plan_design_id,
                                     first=first, last=last))
            except PlanAlignError as exc:
                rows.append(BatchRow(label, None, error=exc.message))
    if not rows:
        raise PlanAlignError("no scenario to run", hint='SCENARIOS="baseline qaca_switch"')
    if dry_run:
        print_dry_run(run, [row.plan for row in rows if row.plan is not None])
        for row in rows:
            if row.plan is None:
                click.secho(f"{row.label}: would fail: {row.error}", fg="red", err=True)
        print_batch_ending(rows, compare, tornado, specs, database)
        return
    years.start(run, sorted({y for row in rows if row.plan for y in row.plan.years}), [row.label for row in rows])
    status = "failed"
    background, study_sides, tornado_error = None, None, None
    try:
        if compare and tornado and len(rows) > 1 and all(row.plan is not None for row in rows):
            # the study builds in a second process, into its own database, while the grid builds (cli/study.py)
            try:
                if not resume:
                    tornado_job.discard(tornado_job.study_database(database))
                study_sides = tornado_sides(tornado_job.study_database(database), rows, sets, replications, start,
                                            specs)
                background = tornado_job.start(database, run.run_id, study_spec(rows, sets, replications, start, vary,
                                                                          resume))
                tornado_job.echo_started(background, len(rows), len(study_sides[2]))
            except PlanAlignError as exc:  # the grid still runs; the summary is written without a tornado
                show_error(exc)
                tornado_error, study_sides = exc.message, None
        for row in rows:
            if row.plan is None:
                click.secho(f"== {row.label}: configuration refused: {row.error}", fg="red", err=True)
                run.summary.errors.append(f"{row.label}: {row.error}")
                continue
            click.echo(f"== {row.label}")
            try:
                row.result = years.execute(run, row.plan)
            except PlanAlignError as exc:
                show_error(exc)
                row.result = run.summary.results[-1]
        grid_done = all(row.status == "success" for row in rows)
        if not grid_done:  # no decision summary of the whole grid, so no tornado in it: the study is stopped below
            study_sides = None
        if background is not None and grid_done:
            click.echo("== sensitivity: waiting for the study to finish" if background.process.poll() is None
                       else "== sensitivity: finished while the grid ran")
            try:
                tornado_job.wait(background)
                click.echo(f"== sensitivity: done ({background.seconds():.0f} s since it started)")
            except PlanAlignError as exc:  # the grid's results stand; the summary is written without a tornado
                show_error(exc)
                tornado_error, study_sides = exc.message, None
        status = "success" if grid_done and tornado_error is None else "failed"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        if background is not None:
            tornado_job.stop(background)  # a failed grid (or Ctrl-C) leaves no study running
        years.finish(run, status)
    print_batch_table(rows)
    done = [row.plan.effective.key for row in rows if row.status == "success"]
    if compare and len(done) > 1:
        # each pair's decision summary and winners and losers are read once, for its page and the summary's
        study = gather_study(database, done[0].pair, [other.pair for other in done[1:]])
        if study_sides:
            sides, found, points = study_sides
            named = [sensitivity.Side(name, s.effective, s.draws) for name, s in zip(study.names, sides, strict=True)]
            study.tornadoes = sensitivity.studies(tornado_job.study_database(database), named, found, points,
                                                  rows[0].first, rows[0].last, done[0].scenario_id)
        for other in done[1:]:
            path = write_comparison(database, done[0].pair, other.pair, study=study)
            click.echo(f"comparison: {path.relative_to(PROJECT_ROOT)}")
        echo_decision_summary(database, study)
    if tornado_error:
        raise PlanAlignError(f"batch: the grid ran, but its sensitivity study failed: {tornado_error}",
                             hint="the decision summary above has no tornado; `make batch ... TORNADO=0` skips it, "
                                  "or run `make sensitivity` on the pair", exit_code=1)
    if status != "success":
        failed = [row.label for row in rows if row.status != "success"]
        raise PlanAlignError(f"batch: {len(failed)} of {len(rows)} failed: {', '.join(failed)}",
                             hint="the messages above say why; `make batch ... RESUME=1` re-runs what is "
                                  "not done", exit_code=1)


def tornado_sides(database: Path, rows: list[BatchRow], sets: tuple[str, ...], replications: int | None,
                  start: int | None, specs: list[uncertainty.VarySpec]) -> tuple:
    """The sensitivity study at the end of a batch: every (scenario, design) of the grid, the first the base, over
    the base's years, each assumption's range from the base's scenario (VARY's when given)."""
    base = rows[0]
    first_effective = options.effective_from(database, base.scenario_name, None, base.plan_design_id, sets,
                                             replications, start)
    found = first_effective.uncertainty_ranges(specs or None, uncertainty.BATCH_KEYS)
    points = sensitivity.study_points(found)
    # one replication per point (a Monte Carlo grid's replication 1): paired, the swings are the assumptions'
    # effects; every replication of the grid again would cost 2 x the assumptions + 1 grids
    sides = [sensitivity.side(database, row.scenario_name, None, row.plan_design_id, sets, replications, start,
                              points, name=row.label, draws=1) for row in rows]
    return sides, found, points


def study_spec(rows: list[BatchRow], sets: tuple[str, ...], replications: int | None, start: int | None,
               vary: str | None, resume: bool) -> dict:
    """What `batch-study` needs to build the same study as tornado_sides gives here (JSON)."""
    return {"rows": [{"label": row.label, "scenario": row.scenario_name, "design": row.plan_design_id}
                     for row in rows],
            "sets": list(sets), "replications": replications, "start": start, "vary": vary, "resume": resume,
            "first": rows[0].first, "last": rows[0].last}


@click.command("batch-study", hidden=True)
@click.option("--spec", required=True, help="the batch's rows and options, as JSON (study_spec)")
def batch_study_command(spec: str) -> None:
    """A batch's sensitivity study, in its own process and database (cli/study.py): the batch starts it."""
    given = json.loads(spec)
    tornado_job.die_with(given["parent"])
    database = checked_database(writing=True)  # the study's own file (PLANALIGN_DB, set by the batch)
    rows = [BatchRow(row["label"], None, scenario_name=row["scenario"], plan_design_id=row["design"],
                     first=given["first"], last=given["last"]) for row in given["rows"]]
    sides = tornado_sides(database, rows, tuple(given["sets"]), given["replications"], given["start"],
                          uncertainty.parse_vary(given["vary"]))[0]
    run = years.Run(database, "batch-study", Console(verbose=False), write_reports=False)
    # the study's file is its own and started afresh by the batch: nothing in it to back up
    run.backed_up = True
    with years.running(run, list(range(given["first"], given["last"] + 1)), [s.effective.label for s in sides]):
        sensitivity.run_sides(run, sides, given["first"], given["last"], resume=given["resume"])


def print_batch_ending(rows: list[BatchRow], compare: bool, tornado: bool, specs: list[uncertainty.VarySpec],
                       database: Path) -> None:
    """What a batch does after its grid (the dry run's last lines): the bands, the summary and the tornado."""
    planned = [row for row in rows if row.plan is not None]
    for row in planned:
        if row.plan.effective.replications.is_monte_carlo:
            drawn = row.plan.effective.scenario.parameter_uncertainty
            kind = " and assumption uncertainty (parameter_uncertainty drawn per replication)" if drawn else " only"
            click.echo(f"{row.label}: bands cover random draws{kind}")
    if not compare or len(rows) < 2:
        click.echo("then: no comparison (one design, or --no-compare)")
        return
    click.echo(f"then: the decision summary of {rows[0].label} against {', '.join(row.label for row in rows[1:])}")
    if not tornado:
        click.echo("then: no sensitivity study (TORNADO=0)")
        return
    keys = [spec.key for spec in specs] if specs else list(uncertainty.BATCH_KEYS)
    click.echo(f"then: a sensitivity study (tornado) of each alternative's net cost difference: {', '.join(keys)} "
               f"each at its low and high value; one run per design of {2 * len(keys) + 1} single-replication points, "
               f"built in a second process beside the grid into {tornado_job.study_database(database)}")


def print_batch_table(rows: list[BatchRow]) -> None:
    width = max(len("scenario / design"), *(len(row.label) for row in rows))
    click.echo(f"\n{'scenario / design':<{width}}  {'status':<8}  {'years':<11}  {'seconds':>8}  "
               f"{'employer cost (match + core)':>30}")
    for row in rows:
        plan = row.plan
        span = sorted(plan.years + plan.skipped) if plan else []
        years_run = f"{span[0]}-{span[-1]}" if span else "-"
        seconds = sum(row.result.year_seconds.values()) if row.result else 0.0
        cost = row.result.employer_cost if row.result else None
        mean = " (mean)" if plan and plan.effective.replications.is_monte_carlo else ""
        click.echo(f"{row.label:<{width}}  {row.status:<8}  {years_run:<11}  {seconds:>8.1f}  "
                   f"{(f'{cost:,.0f}{mean}' if cost is not None else '-'):>30}")
