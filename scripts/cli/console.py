"""What the commands print: errors, warnings, and the lines the core's results and progress turn into."""

from __future__ import annotations

import logging
import re
import shutil
import sys
import time

import click

from planalign.engine.results import CensusCounts, RunObserver, RunSummary, YearDone
from planalign.errors import PlanAlignError
from planalign.keys import RunKey


def show_error(exc: PlanAlignError) -> None:
    """One red line on stderr saying what and where, and the hint below it."""
    click.secho(f"error: {exc}", err=True, fg="red")


class _WarningLines(logging.Handler):
    """The core's warnings (logger 'planalign'), one line each on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.secho(f"warning: {record.getMessage()}", err=True, fg="yellow")


def show_warnings() -> None:
    """Route the core's warnings to stderr (once per process)."""
    logger = logging.getLogger("planalign")
    if not any(isinstance(handler, _WarningLines) for handler in logger.handlers):
        logger.addHandler(_WarningLines(logging.WARNING))
        logger.propagate = False


ANSI = re.compile(r"\x1b\[[0-9;]*m")
# dbt's "12 of 99 START sql table model main.int_hires_generated ....... [RUN]"
START_LINE = re.compile(r"\b(\d+) of (\d+) START (.*?)\s*(?:\.{2,}\s*)?(?:\[RUN\])?$")


def parse_progress(line: str) -> tuple[int, int, str] | None:
    """(n, total, node name) of a dbt START line, else None; the schema prefix is dropped."""
    match = START_LINE.search(ANSI.sub("", line).rstrip())
    if not match:
        return None
    name = match.group(3).split()[-1] if match.group(3).split() else "?"
    return int(match.group(1)), int(match.group(2)), name.removeprefix("main.")


class Progress:
    """One updating terminal line while dbt works: year, n of total, node, elapsed seconds.
    Silent when the stream is not a terminal (CI logs, tests, pipes)."""

    def __init__(self, year: int | None, stream=None):
        self.stream = stream if stream is not None else sys.stdout
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.label = f"year {year}" if year is not None else "dbt"
        self.started = time.monotonic()
        self.shown = 0

    def update(self, line: str) -> None:
        parsed = parse_progress(line) if self.enabled else None
        if parsed is None:
            return
        n, total, name = parsed
        text = f"{self.label}: {n}/{total} {name}  {time.monotonic() - self.started:.0f}s"
        text = text[:max(shutil.get_terminal_size().columns - 1, 20)]
        self.stream.write("\r" + text.ljust(self.shown))
        self.stream.flush()
        self.shown = len(text)

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * self.shown + "\r")
            self.stream.flush()
            self.shown = 0


AUDIT_HEADER = (f"{'year':>4}  {'start':>8}  {'terms':>7}  {'rif':>6}  {'hires':>7}  {'nh-terms':>8}  "
                f"{'end':>8}  {'growth':>7}  {'avg pay':>10}  {'part':>6}  {'avg def':>7}  {'ee $k':>8}  "
                f"{'match $k':>8}  {'core $k':>8}  {'forf $k':>7}  {'secs':>6}")


def _thousands(amount: float) -> str:
    return f"{amount / 1000:,.0f}"


def audit_line(done: YearDone) -> str:
    a = done.audit
    return (f"{done.year:>4}  {a.start_headcount:>8,.0f}  {a.experienced_terminations:>7,.0f}  "
            f"{a.reduction_in_force_terminations:>6,.0f}  {a.hires:>7,.0f}  {a.new_hire_terminations:>8,.0f}  "
            f"{a.end_headcount:>8,.0f}  {a.growth_rate * 100:>+6.2f}%  {a.average_compensation:>10,.0f}  "
            f"{a.participation_rate * 100:>5.1f}%  {a.average_deferral_rate * 100:>6.2f}%  "
            f"{_thousands(a.employee_contributions):>8}  {_thousands(a.employer_match):>8}  "
            f"{_thousands(a.employer_core):>8}  {_thousands(a.forfeitures):>7}  {done.seconds:>6.1f}")


class Console(RunObserver):
    """The year protocol's progress as console lines: the plan, the audit table, the census, the reports; while
    a year builds, one updating progress line on a terminal, or dbt's own output with verbose."""

    def __init__(self, notice_prefix: str = "  ", verbose: bool = False):
        self.notice_prefix = notice_prefix
        self.verbose = verbose
        self.progress: Progress | None = None
        # the console as it is now: while dbt runs in this process, sys.stdout is dbt's output sink
        self.stream = sys.stdout

    def dbt_line(self, year: int | None, line: str) -> None:
        if self.verbose:
            self.stream.write(line)
            self.stream.flush()
            return
        if self.progress is None:
            self.progress = Progress(year, self.stream)
        self.progress.update(line)

    def dbt_done(self, year: int | None) -> None:
        if self.progress is not None:
            self.progress.clear()
            self.progress = None

    def notice(self, line: str) -> None:
        click.echo(f"{self.notice_prefix}{line}")

    def pair_started(self, run_id: str, key: RunKey, years: list[int], database: str) -> None:
        replications = key.replications
        click.echo(f"run {run_id}: scenario '{key.scenario_id}', plan design '{key.plan_design_id}', "
                   + (f"{replications.label}, " if replications.is_monte_carlo else "")
                   + f"years {years[0]}-{years[-1]}, database {database}")
        click.echo(AUDIT_HEADER)

    def census(self, counts: CensusCounts) -> None:
        click.echo(f"census: {counts.raw:,} rows = {counts.staged:,} staged"
                   + (f" ({counts.warned:,} with warnings)" if counts.warned else "")
                   + f" + {counts.rejected:,} rejected + {counts.excluded:,} excluded (left before the start year)")
        if counts.rejected_by_reason:
            click.secho("  rejected: " + ", ".join(f"{reason} {n:,}" for reason, n in counts.rejected_by_reason)
                        + "  (rows in stg_census__rejects)", fg="yellow")
        if counts.first_rejected:
            named = ", ".join(f"{where} ({reason})" for where, reason in counts.first_rejected)
            click.secho(f"  first rejected: {named}", fg="yellow")
        if counts.warned_by_reason:
            click.secho("  warned (kept): " + ", ".join(f"{reason} {n:,}" for reason, n in counts.warned_by_reason)
                        + "  (rows in stg_census__warnings)", fg="yellow")

    def retrying(self, year: int, retry: int, retries: int, wait: int, message: str) -> None:
        click.echo(f"year {year}: transient failure (retry {retry}/{retries} in {wait}s): {message}", err=True)

    def year_done(self, done: YearDone) -> None:
        click.echo(audit_line(done))

    def reports_written(self, html: str, summary_csv: str) -> None:
        click.echo(f"report: {html} (opens offline in a browser); summary: {summary_csv}")

    def run_finished(self, summary: RunSummary) -> None:
        click.echo(f"run {summary.run_id}: {summary.status}; years done {summary.years_done} in {summary.seconds}s; "
                   f"retries {summary.retries}; backup {summary.backup or 'none (nothing to back up yet)'}; "
                   f"summary artifacts/runs/{summary.run_id}/summary.json", err=summary.status != "success")
