"""planalign: the command-line front door (the Makefile calls it).

The commands only turn options into calls of the core and its results and errors into lines and exit codes:
run (simulate, year, batch), recover (resume, restore), inspect (status, check-config), report (compare,
export, workforce-at, timeline), sensitivity, census (census, census-history), calibrate, fit (fit, backtest), bench
(bench, bench-compare). The options they share are in options.py, the console lines they print in console.py.
"""

from __future__ import annotations

import importlib
import os
from importlib import metadata

import click

from planalign.cli.console import show_error, show_warnings
from planalign.errors import PlanAlignError

# Each command's module is imported when the command runs (or for --help), not at start: `planalign status`
# does not load the engine, dbt or the report renderers it never uses (make status answers in about a second).
COMMANDS = {
    "simulate": "run:simulate_command", "year": "run:year_command", "batch": "run:batch_command",
    "resume": "recover:resume_command", "restore": "recover:restore_command", "status": "inspect:status_command",
    "check-config": "inspect:check_config_command", "compare": "report:compare_command",
    "export": "report:export_command", "workforce-at": "report:workforce_at_command",
    "timeline": "report:timeline_command", "census": "census:census_command",
    "census-history": "census:census_history_command", "calibrate": "calibrate:calibrate_command",
    "fit": "fit:fit_command", "backtest": "fit:backtest_command", "bench": "bench:bench_command",
    "bench-compare": "bench:bench_compare_command", "sensitivity": "sensitivity:sensitivity_command",
    "batch-study": "run:batch_study_command",
}


def _versions() -> str:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return (f"planalign {version('planalign')} (dbt-core {version('dbt-core')}, dbt-duckdb {version('dbt-duckdb')}, "
            f"duckdb {version('duckdb')})")


class PlanAlignGroup(click.Group):
    """A click group whose commands' expected failures (PlanAlignError) end as one line and an exit code, and
    whose commands are imported on first use (COMMANDS)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name].split(":")
        return getattr(importlib.import_module(f"planalign.cli.{module}"), attribute)

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
