"""planalign: the command-line front door (the Makefile calls it)."""

from __future__ import annotations

import click

from scripts.bench import bench_command
from scripts.census import census_command
from scripts.simulate import check_config_command, simulate_command, year_command


@click.group()
def main() -> None:
    """PlanAlign: workforce and 401(k) plan simulation on dbt + DuckDB."""


main.add_command(bench_command)
main.add_command(census_command)
main.add_command(check_config_command)
main.add_command(simulate_command)
main.add_command(year_command)

if __name__ == "__main__":
    main()
