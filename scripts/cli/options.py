"""The click options the commands share, and turning them into an effective configuration."""

from __future__ import annotations

from pathlib import Path

import click

from planalign.engine.config import Effective, resolve, scenario_file

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
