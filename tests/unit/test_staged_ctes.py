"""macros/ops/staged_ctes.sql: the Spark rendering of a CTE chain (steps written as tables, the rest reading them)
gives the rows the one-query rendering gives. Both renderings are run here in DuckDB, on a chain that reads its
steps twice, as fct_nondiscrimination_corrections does; the Spark one with its tables written first."""

from __future__ import annotations

import re

import duckdb
import jinja2
import pytest

from conftest import ROOT

CHAIN = """
{%- set ctes = [] -%}
{%- call cte_step(ctes, 'base') %} select n, n % 3 as g from range(1, 40) as t(n) {%- endcall %}
{%- call cte_step(ctes, 'ranked') %}
    select base.*, row_number() over (partition by g order by n desc) as r from base {%- endcall %}
{%- call cte_step(ctes, 'totals') %} select g, sum(n) as total from ranked group by g {%- endcall %}
{%- call cte_step(ctes, 'shares') %}
    select ranked.*, ranked.n * 1.0 / totals.total as share from ranked
    inner join totals on ranked.g = totals.g {%- endcall %}
{%- call cte_step(ctes, 'top') %} select g, max(share) as top_share from shares group by g {%- endcall %}
{%- call cte_step(ctes, 'final') %}
    select shares.*, top.top_share, base.n as again from shares inner join top on shares.g = top.g
    inner join ranked as base on shares.n = base.n {%- endcall %}
{{ staged_ctes(ctes, staged) }}
select * from final order by n
"""


class _Relation:
    @staticmethod
    def create(schema: str, identifier: str, type: str) -> str:  # noqa: A002 - dbt's argument name
        return f"{schema}.{identifier}"


class _Return(Exception):  # noqa: N818 - dbt's return(): the macro's value, raised out of its template
    def __init__(self, value: str) -> None:
        super().__init__()
        self.value = value


def _return(value: str) -> None:
    raise _Return(value)


def _render(engine: str, staged: list[str]) -> tuple[str, list[str]]:
    statements: list[str] = []
    source = (ROOT / "macros" / "ops" / "staged_ctes.sql").read_text()
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    planalign = type("Planalign", (), {})()  # the project's macro namespace, as dbt gives it
    macros = env.from_string(source).make_module(vars={
        "api": type("Api", (), {"Relation": _Relation}), "this": type("This", (), {"schema": "s", "identifier": "m"}),
        "execute": True, "run_query": statements.append, "planalign": planalign, "return": _return})
    planalign.cte_list = macros.cte_list
    macro = getattr(macros, f"{engine}__staged_ctes")

    def staged_ctes(ctes: list, staged: list[str]) -> str:
        try:
            macro(ctes, staged)
        except _Return as returned:
            return returned.value
        raise AssertionError("the macro returned nothing")

    sql = env.from_string(CHAIN).render(cte_step=macros.cte_step, staged_ctes=staged_ctes, staged=staged)
    return sql, statements


def _rows(sql: str, statements: list[str]) -> list[tuple]:
    con = duckdb.connect()
    con.execute("create schema s")
    for statement in statements:
        con.execute(statement.replace(" using parquet", ""))
    return con.execute(sql).fetchall()


def test_duckdb_gets_the_chain_as_written():
    sql, statements = _render("default", ["ranked", "shares"])
    assert statements == []
    assert re.findall(r"^(\w+) as \(", sql, re.M) == ["base", "ranked", "totals", "shares", "top", "final"]


@pytest.mark.parametrize("staged", [["ranked"], ["ranked", "shares"], ["base", "ranked", "shares", "final"], []])
def test_spark_writes_each_staged_step_once_and_gives_the_same_rows(staged):
    one_query, _ = _render("default", staged)
    sql, statements = _render("spark", staged)
    # a drop and a create per staged step, in the chain's order; the query reads the tables, not their SQL
    assert [re.match(r"(drop table if exists|create table) s\.m__(\w+)", s).group(2) for s in statements] == [
        name for name in staged for _ in range(2)]
    for name in staged:
        assert f"select * from s.m__{name}" in sql
    expected = _rows(one_query, [])
    assert len(expected) == 39
    assert _rows(sql, statements) == expected
