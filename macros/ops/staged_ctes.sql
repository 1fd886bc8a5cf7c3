{#-
    A model's chain of CTEs, written once and rendered per engine (docs/scaling-out.md "The corrections model").
    A model collects its CTEs in order with `{% call cte_step(ctes, 'name') %} select ... {% endcall %}` and then writes
    `{{ staged_ctes(ctes, ['a', 'b']) }}` where its `with` clause goes.
    - DuckDB (and any engine but Spark): `with name as (...), ...`, every CTE as written, nothing else.
    - Spark: each staged CTE is written first, as a table of its own beside the model (`<model>__<cte>`, dropped
      and written again by every build), and the CTEs after it read that table. Spark plans a CTE again at every
      place it is used, so a chain whose steps each read the step before twice plans the first steps 2^n times;
      a table is planned once. The tables are written while dbt compiles the model (run_query), before its own
      statement runs.
    The staged CTEs cut the chain into segments: a CTE may be read in its own segment (after it, up to and
    including the next staged CTE), and a staged CTE anywhere after it. A segment up to a staged CTE must not read
    an ephemeral model (its table is written without dbt's injected CTEs).
-#}
{% macro cte_step(ctes, name) -%}
    {%- do ctes.append([name, caller()]) -%}
{%- endmacro %}

{% macro staged_ctes(ctes, staged) -%}
    {{ return(adapter.dispatch('staged_ctes', 'planalign')(ctes, staged)) }}
{%- endmacro %}

{% macro cte_list(ctes) -%}
with
{% for name, body in ctes %}
{{ name }} as ({{ body }}){{ ',' if not loop.last }}
{% endfor %}
{%- endmacro %}

{% macro default__staged_ctes(ctes, staged) -%}
    {{ return(planalign.cte_list(ctes)) }}
{%- endmacro %}

{% macro spark__staged_ctes(ctes, staged) -%}
    {%- set tables = [] -%}
    {%- set segment = [] -%}
    {%- for name, body in ctes -%}
        {%- do segment.append([name, body]) -%}
        {%- if name in staged -%}
            {%- set table = api.Relation.create(
                schema=this.schema, identifier=this.identifier ~ '__' ~ name, type='table'
            ) -%}
            {%- if execute -%}
                {%- do run_query('drop table if exists ' ~ table) -%}
                {%- do run_query(
                    'create table ' ~ table ~ ' using parquet as\n'
                    ~ planalign.cte_list(tables + segment) ~ '\nselect * from ' ~ name
                ) -%}
            {%- endif -%}
            {%- do tables.append([name, ' select * from ' ~ table ~ ' ']) -%}
            {%- do segment.clear() -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(planalign.cte_list(tables + segment)) }}
{%- endmacro %}
