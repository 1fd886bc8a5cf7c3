"""planalign: the command-line front door (the Makefile calls it).

Command groups, one module each under scripts/commands/: run (simulate, year, batch), recover (resume,
restore), inspect (status, check-config), report (compare, workforce-at, timeline); plus census and
bench (bench, bench-compare). Shared options live in scripts/options.py, every SQL statement the CLI sends
in scripts/db.py (report queries in analyses/), the year protocol in scripts/engine.py.
"""

from __future__ import annotations

import os
from importlib import metadata

import click

from scripts.bench import bench_command, bench_compare_command
from scripts.census import census_command
from scripts.commands.inspect import check_config_command, status_command
from scripts.commands.recover import restore_command, resume_command
from scripts.commands.report import compare_command, export_command, timeline_command, workforce_at_command
from scripts.commands.run import batch_command, simulate_command, year_command


def _versions() -> str:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return (f"planalign {version('planalign')} (dbt-core {version('dbt-core')}, dbt-duckdb {version('dbt-duckdb')}, "
            f"duckdb {version('duckdb')})")


@click.group()
@click.version_option(message="%(version)s", version=_versions())
def main() -> None:
    """PlanAlign: workforce and 401(k) plan simulation on dbt + DuckDB."""
    os.umask(0o077)  # the database, backups, checkpoints and logs hold pay and birth dates


for command in (simulate_command, year_command, batch_command, resume_command, restore_command, status_command,
                check_config_command, compare_command, export_command, workforce_at_command, timeline_command,
                census_command, bench_command, bench_compare_command):
    main.add_command(command)

if __name__ == "__main__":
    main()
