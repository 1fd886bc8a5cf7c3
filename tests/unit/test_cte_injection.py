"""The in-process speed-up of dbt's CTE injection gives exactly the text dbt's own function gives (edge cases)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from dbt.compilation import inject_ctes_into_sql as dbt_inject

from planalign.dbt.patches import fast_inject_ctes

CTES = [SimpleNamespace(sql=" __dbt__cte__int_a as (\nselect 1 as a\n)"),
        SimpleNamespace(sql=" __dbt__cte__int_b as (\nselect 2 as b -- a comment; with a semicolon\n)")]


def test_a_path_taken_by_the_fast_function_is_counted():
    calls = []

    def original(sql, ctes):
        calls.append(sql)
        return dbt_inject(sql, ctes)

    inject = fast_inject_ctes(original)
    inject("\n\nwith x as (select 1)\nselect * from x", CTES)
    assert calls == [], "a model that starts with `with` took dbt's slow path"
    inject("select 1", CTES)
    assert calls == ["select 1"]


@pytest.mark.parametrize("sql", [
    "with x as (select 1)\nselect * from x",
    "\n\n  WITH\nx as (select 1) select * from x",
    "With x as (select 'with' as w) select * from x",
    "with recursive r as (select 1 as n union all select n + 1 from r where n < 3) select * from r",
    "select 1 as a",
    "-- leading comment\nwith x as (select 1) select * from x",
    "/* block */ select 1",
    "with x as (select 1) select * from x; select 2",
    "with x as (select 1 as a) -- trailing comment\nselect * from x",
    "withdrawn as (select 1)",
])
def test_the_same_text_as_dbt_on_edge_cases(sql):
    assert fast_inject_ctes(dbt_inject)(sql, CTES) == dbt_inject(sql, CTES)
    assert fast_inject_ctes(dbt_inject)(sql, []) == dbt_inject(sql, []) == sql
