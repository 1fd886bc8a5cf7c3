"""What the commands print: errors, and the lines the core's results and progress turn into."""

from __future__ import annotations

import click

from planalign.errors import PlanAlignError


def show_error(exc: PlanAlignError) -> None:
    """One red line on stderr saying what and where, and the hint below it."""
    click.secho(f"error: {exc}", err=True, fg="red")
