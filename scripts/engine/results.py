"""What the year protocol hands the command layer: typed results, and the observer it reports progress to.

The engine never prints: it calls a RunObserver as the run goes (a year done, a retry, the census counts)
and returns typed results. The command line's observer (planalign.cli.console) turns them into lines; a
test or another program may pass its own, or none.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from planalign.keys import RunKey


@dataclass(frozen=True)
class YearAudit:
    """One year's audit figures from rpt_year_audit (for a Monte Carlo set, the mean over its replications);
    the fields are planalign.store.db.AUDIT_COLUMNS, in that order."""

    start_headcount: float
    experienced_terminations: float
    reduction_in_force_terminations: float
    hires: float
    new_hire_terminations: float
    end_headcount: float
    growth_rate: float
    average_compensation: float
    participation_rate: float
    average_deferral_rate: float
    employee_contributions: float
    employer_match: float
    employer_core: float
    forfeitures: float

    @classmethod
    def from_row(cls, row: tuple | None) -> YearAudit:
        """A row of db.AUDIT_COLUMNS; a missing figure (no row, a NULL) is 0."""
        values = row if row is not None else (None,) * len(fields(cls))
        return cls(*(float(value) if value is not None else 0.0 for value in values))


@dataclass(frozen=True)
class YearDone:
    """A year built and checked: its seconds, its rows, its audit figures."""

    year: int
    seconds: float
    event_rows: int
    snapshot_rows: int
    audit: YearAudit


@dataclass(frozen=True)
class CensusCounts:
    """The census reconciliation: every raw row is staged, rejected or excluded."""

    staged: int
    rejected: int
    excluded: int
    warned: int
    rejected_by_reason: list[tuple[str, int]] = field(default_factory=list)
    warned_by_reason: list[tuple[str, int]] = field(default_factory=list)
    # the first rejected rows, as the user finds them: ("row 7 of sheet Employees in census.xlsx", reason)
    first_rejected: list[tuple[str, str]] = field(default_factory=list)

    @property
    def raw(self) -> int:
        return self.staged + self.rejected + self.excluded


@dataclass
class PairResult:
    """The outcome of one (scenario, design, replication set) within a run."""

    key: RunKey
    status: str = "pending"  # pending, success, failed
    years_done: list[int] = field(default_factory=list)
    year_seconds: dict[int, float] = field(default_factory=dict)
    rows: dict[int, dict[str, int]] = field(default_factory=dict)
    retries: int = 0
    config_hash: str | None = None
    summary_csv: str | None = None
    html: str | None = None
    employer_cost: float | None = None
    error: str | None = None

    def record(self) -> dict[str, Any]:
        """As the run's summary.json keeps it."""
        record = {name: value for name, value in asdict(self).items() if name != "key"}
        record["report"] = record.pop("summary_csv")
        return {"scenario_id": self.key.scenario_id, "plan_design_id": self.key.plan_design_id,
                "replications": self.key.replications.count, **record}


@dataclass
class RunSummary:
    """One CLI command's run: what it was asked, what it did, how it ended."""

    run_id: str
    command: str
    started_at: str
    database: str
    pairs: list[str]
    years: list[int]
    status: str = "running"
    results: list[PairResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    backup: str | None = None

    @property
    def retries(self) -> int:
        return sum(result.retries for result in self.results)

    @property
    def years_done(self) -> int:
        return sum(len(result.years_done) for result in self.results)

    def record(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "command": self.command, "started_at": self.started_at,
                "database": self.database, "pairs": self.pairs, "years": self.years, "status": self.status,
                "results": [result.record() for result in self.results], "errors": self.errors,
                "retries": self.retries, "seconds": self.seconds, "backup": self.backup}


class RunObserver:
    """What the year protocol reports while it runs; every method does nothing unless overridden."""

    def notice(self, line: str) -> None:
        """A line about the plan: why a year runs, is skipped or cleared."""

    def pair_started(self, run_id: str, key: RunKey, years: list[int], database: str) -> None:
        """The builds of a (scenario, design, replication set) begin."""

    def census(self, counts: CensusCounts) -> None:
        """The census was staged (the start year): how many rows went where."""

    def dbt_line(self, year: int | None, line: str) -> None:
        """One line of dbt's output (masked, as in the year's log) while a year builds."""

    def dbt_done(self, year: int | None) -> None:
        """dbt's build of the year ended (successfully or not): its output is complete."""

    def retrying(self, year: int, retry: int, retries: int, wait: int, message: str) -> None:
        """A transient failure of a year's build; it runs again after `wait` seconds."""

    def year_done(self, done: YearDone) -> None:
        """A year was built and every check passed."""

    def reports_written(self, html: str, summary_csv: str) -> None:
        """The run report (HTML) and the summary (CSV) of the pair."""

    def run_finished(self, summary: RunSummary) -> None:
        """The run ended (success, failed or interrupted)."""
