"""Expected failures: one clear line with a hint, never a traceback, and a non-zero exit."""

from __future__ import annotations

import click


class PlanAlignError(click.ClickException):
    """An expected failure: what was wrong, where, and what to do about it."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def format_message(self) -> str:
        text = self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def show(self, file=None) -> None:
        click.secho(f"error: {self.format_message()}", err=True, fg="red")
