"""planalign: the command-line front door (the Makefile calls it)."""

from __future__ import annotations

import os

import click

from scripts.bench import bench_command
from scripts.census import census_command
from scripts.recovery import restore_command, resume_command
from scripts.simulate import check_config_command, simulate_command, year_command


@click.group()
def main() -> None:
    """PlanAlign: workforce and 401(k) plan simulation on dbt + DuckDB."""
    os.umask(0o077)  # the database, backups, checkpoints and logs hold pay and birth dates


main.add_command(bench_command)
main.add_command(census_command)
main.add_command(check_config_command)
main.add_command(simulate_command)
main.add_command(year_command)
main.add_command(resume_command)
main.add_command(restore_command)

if __name__ == "__main__":
    main()
