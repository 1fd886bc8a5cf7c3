"""The click options the commands share, and turning them into an effective configuration."""

from __future__ import annotations

from pathlib import Path

import click

from planalign.engine.config import Effective, resolve, scenario_file
from planalign.store import db

scenario = click.option("--scenario", "scenario_name", default="baseline", show_default=True,
                        help="scenario: a file name in scenarios/ (baseline) or a path to a YAML file")
census = click.option("--census", "census_path", default=None,
                      help="census file (.csv, .parquet or .xlsx); overrides the scenario's census_path")
census_sheet = click.option("--census-sheet", "census_sheet", default=None,
                            help="the sheet of an .xlsx census (default: its first sheet); overrides the "
                                 "scenario's census_sheet")
plan_design = click.option("--plan-design", "plan_design_id", default=None,
                           help="plan design id (a row of seeds/plan_designs.csv); overrides the scenario's")
sets = click.option("--set", "sets", multiple=True, metavar="KEY.PATH=VALUE",
                    help="override one setting for this run, e.g. --set workforce.target_growth_rate=0.05 "
                         "(repeatable; validated like the file)")
replications = click.option("--replications", type=int, default=None,
                            help="Monte Carlo: run N replications (seeds derived from random_seed); "
                                 "0 = the single deterministic run")
clear = click.option("--clear", type=click.Choice(["year", "all"]), default="year", show_default=True,
                     help="year: replace only the years run; all: first remove every year and checkpoint "
                          "of the scenario and plan design (after a backup)")
dry_run = click.option("--dry-run", is_flag=True,
                       help="say which years would run, be skipped or be cleared, and whether a backup would "
                            "be made; write nothing")
verbose = click.option("-v", "--verbose", is_flag=True, help="show dbt's own output")


def configuration(command):
    """The options that make an effective configuration: scenario, census (and its sheet), plan design, --set,
    replications."""
    for option in (replications, sets, plan_design, census_sheet, census, scenario):
        command = option(command)
    return command


def effective(scenario_name: str, census_path: str | None = None, plan_design_id: str | None = None,
              sets: tuple[str, ...] = (), replication_count: int | None = None,
              start_year: int | None = None, census_sheet: str | None = None) -> Effective:
    """The run's one validated configuration: file chain, then these options, then --set."""
    options = {
        "census_path": str(Path(census_path).resolve()) if census_path else None,
        "census_sheet": census_sheet,
        "plan_design": plan_design_id,
        "replications": replication_count,
        "start_year": start_year,
    }
    return resolve(scenario_file(scenario_name), options, sets)


start = click.option("--start", type=int, default=None,
                     help="first year (default: the scenario's start_year). A later START opens the run there: "
                          "the census is the workforce on Jan 1 of START, unless the year before is simulated")


def effective_from(database: Path, scenario_name: str, census_path: str | None, plan_design_id: str | None,
                   sets: tuple[str, ...], replications: int | None, start: int | None,
                   census_sheet: str | None = None, infer: bool = False) -> Effective:
    """The effective configuration of a run that may start in another year than the scenario's start_year.

    START before start_year moves the start earlier. START after it opens the run in START (the census is the
    state on Jan 1 of START, as a file of make census-history is) - unless the database holds the year before
    START for this scenario and design and no CENSUS was given: then the years continue from it, as they always
    did. With infer (resume, year) and no START, a run that was opened in a later year is found by its first
    stored year, so its configuration (start_year is part of it) matches the stored years'."""
    effective = _effective(scenario_name, census_path, plan_design_id, sets, replications, None, census_sheet)
    if start is None and infer:
        first, _ = db.stored_year_range(database, effective.key)
        if first is not None and first > effective.start_year:
            start = first
    if start is None or start == effective.start_year:
        return effective
    if start > effective.start_year and not census_path and \
            db.replications_with_year(database, effective.key, start - 1) >= len(effective.replications.ids):
        return effective
    return _effective(scenario_name, census_path, plan_design_id, sets, replications, start, census_sheet)


def _effective(scenario_name, census_path, plan_design_id, sets, replications, start, census_sheet) -> Effective:
    return effective(scenario_name, census_path, plan_design_id, sets, replications, start, census_sheet=census_sheet)


def resume_end(database: Path, effective: Effective, end: int | None) -> int:
    """The last year resume goes to: END, else the later of the scenario's end_year and the last stored year
    (a run made with a later END= resumes to it)."""
    if end is not None:
        return end
    _, last = db.stored_year_range(database, effective.key)
    return max(effective.end_year, last or effective.end_year)
