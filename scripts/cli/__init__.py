"""planalign: the command-line front door (the Makefile calls it).

The commands only turn options into calls of the core and its results and errors into lines and exit codes:
run (simulate, year, batch), recover (resume, restore), inspect (status, check-config), report (compare,
export, workforce-at, timeline), census (census, census-history), calibrate, fit (fit, backtest), bench
(bench, bench-compare). The options they share are in options.py, the console lines they print in console.py.
"""

from __future__ import annotations

import os
from importlib import metadata

import click

from planalign.cli.bench import bench_command, bench_compare_command
from planalign.cli.calibrate import calibrate_command
from planalign.cli.census import census_command, census_history_command
from planalign.cli.console import show_error, show_warnings
from planalign.cli.fit import backtest_command, fit_command
from planalign.cli.inspect import check_config_command, status_command
from planalign.cli.recover import restore_command, resume_command
from planalign.cli.report import compare_command, export_command, timeline_command, workforce_at_command
from planalign.cli.run import batch_command, simulate_command, year_command
from planalign.errors import PlanAlignError


def _versions() -> str:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return (f"planalign {version('planalign')} (dbt-core {version('dbt-core')}, dbt-duckdb {version('dbt-duckdb')}, "
            f"duckdb {version('duckdb')})")


class PlanAlignGroup(click.Group):
    """A click group whose commands' expected failures (PlanAlignError) end as one line and an exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PlanAlignError as exc:
            show_error(exc)
            ctx.exit(exc.exit_code)


@click.group(cls=PlanAlignGroup)
@click.version_option(message="%(version)s", version=_versions())
def main() -> None:
    """PlanAlign: workforce and 401(k) plan simulation on dbt + DuckDB."""
    os.umask(0o077)  # the database, backups, checkpoints and logs hold pay and birth dates
    show_warnings()


for command in (simulate_command, year_command, batch_command, resume_command, restore_command, status_command,
                check_config_command, compare_command, export_command, workforce_at_command, timeline_command,
                census_command, census_history_command, calibrate_command, fit_command, backtest_command, bench_command,
                bench_compare_command):
    main.add_command(command)
