"""One change to how dbt works inside this process, for speed, with results byte for byte the same (override
"cte_injection" of planalign.dbt.overrides; not installed with PLANALIGN_PLAIN_DBT=1).

dbt puts an ephemeral model into the models that read it as a CTE: inject_ctes_into_sql runs sqlparse's full
parser over the reader's compiled SQL (tens of kilobytes for the plan models) only to find whether it starts
with `with`. That is about 2 s of a 10,000-employee five-year run, whatever the census size. Every model here
starts with `with` (the house style's import CTEs), so the common case is found by looking at the first word;
anything else - another first word (or a comment first), `with recursive`, a `;` (sqlparse keeps only the
first statement) - goes to dbt's own function. The result is the text dbt's function returns
(tests/integration/test_dbt_patches.py compares the two on every compiled model and test of the project).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# leading whitespace, then `with` as a whole word, then whitespace: dbt's function puts the CTEs where the
# next token after it begins (sqlparse's insert_after skips whitespace)
_LEADING_WITH = re.compile(r"\s*with\s+", re.IGNORECASE)
_RECURSIVE = re.compile(r"\s*recursive\b", re.IGNORECASE)


def fast_inject_ctes(original: Callable[[str, list[Any]], str]) -> Callable[[str, list[Any]], str]:
    """inject_ctes_into_sql, answering the common case without a full parse; else dbt's `original`."""

    def inject(sql: str, ctes: list[Any]) -> str:
        if not ctes:
            return sql
        match = _LEADING_WITH.match(sql)
        if match is None or ";" in sql or _RECURSIVE.match(sql, match.end()):
            return original(sql, ctes)
        # dbt's function: [with and its whitespace][the CTEs joined by ", "][, ][the rest of the original text]
        return sql[:match.end()] + ", ".join(cte.sql for cte in ctes) + ", " + sql[match.end():]

    inject.planalign_fast = True  # type: ignore[attr-defined]
    inject.planalign_original = original  # type: ignore[attr-defined] - for planalign.dbt.overrides' check
    return inject


def install() -> None:
    """Replace dbt.compilation.inject_ctes_into_sql in this process (once)."""
    from dbt import compilation  # noqa: PLC0415 - dbt's imports take a second: only when dbt runs

    if not getattr(compilation.inject_ctes_into_sql, "planalign_fast", False):
        compilation.inject_ctes_into_sql = fast_inject_ctes(compilation.inject_ctes_into_sql)
