"""The progress line of a run: dbt's START lines parsed, one line on a terminal, silent otherwise."""

from __future__ import annotations

import io

from planalign.cli.console import Progress, parse_progress


class _Terminal(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_the_progress_parser_reads_dbt_start_lines():
    line = "05:38:39  2 of 99 START sql table model main.int_hires_generated ............. [RUN]"
    assert parse_progress(line) == (2, 99, "int_hires_generated")
    assert parse_progress("05:38:38  1 of 3 START hook: planalign.on-run-start.0 ...... [RUN]") == \
        (1, 3, "planalign.on-run-start.0")
    assert parse_progress("05:40:33  15 of 151 START test unique_cola_rates_simulation_year  [RUN]") == \
        (15, 151, "unique_cola_rates_simulation_year")
    assert parse_progress("05:38:39  2 of 99 OK created sql table model main.int_x ... [OK in 0.1s]") is None
    assert parse_progress("Found 46 models, 2 analyses") is None


def test_progress_draws_one_line_on_a_terminal_erases_it_and_is_silent_otherwise():
    line = "05:38:39  2 of 99 START sql table model main.int_hires_generated ............. [RUN]"
    terminal = _Terminal(tty=True)
    progress = Progress(2026, stream=terminal)
    progress.update(line)
    progress.clear()
    text = terminal.getvalue()
    assert "year 2026: 2/99 int_hires_generated" in text and "\n" not in text and text.endswith("\r")
    pipe = _Terminal(tty=False)
    quiet = Progress(2026, stream=pipe)
    quiet.update(line)
    quiet.clear()
    assert pipe.getvalue() == ""
