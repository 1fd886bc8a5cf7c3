"""Expected failures: what was wrong, where, and what to do about it.

The core (engine, store, dbt, reports, bench) raises PlanAlignError and never prints or exits; the command
layer (planalign.cli) turns it into one line on stderr, the hint below it, and the exit code. No traceback
for an expected failure.
"""

from __future__ import annotations


class PlanAlignError(Exception):
    """An expected failure: one line saying what and where, an optional hint saying what to do, an exit code
    (2: refused before anything ran, the default; 1: something ran and failed)."""

    def __init__(self, message: str, hint: str | None = None, exit_code: int = 2):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message + (f"\n  hint: {self.hint}" if self.hint else "")
