{#-
    Last year's workforce snapshot, found by relation lookup rather than ref(): a ref()
    to the mart from upstream of it would make a cycle. Fails with a clear message when
    the previous year has not been simulated for this scenario and plan design, for
    any of this invocation's replications.
-#}
{% macro prior_snapshot_relation(year) -%}
    {%- set relation = adapter.get_relation(
        database=target.database, schema=target.schema, identifier='fct_workforce_snapshot') -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set hint = "simulate the years in order: make simulate START=<first year> END=" ~ year -%}
    {%- if relation is none -%}
        {{ exceptions.raise_compiler_error(
            "No workforce snapshot exists yet, so year " ~ year ~ " has no starting workforce. "
            ~ "Year " ~ var('start_year') ~ " (the scenario's start_year) must run first; " ~ hint) }}
    {%- endif -%}
    {%- set found = run_query(
        "select distinct replication_id from " ~ relation
        ~ " where scenario_id = '" ~ var('scenario_id') ~ "'"
        ~ " and plan_design_id = '" ~ var('plan_design_id') ~ "'"
        ~ " and simulation_year = " ~ (year - 1)
        ~ " and " ~ replication_filter()) -%}
    {%- set present = [] -%}
    {%- for value in found.columns[0].values() -%}
        {%- do present.append(value | int) -%}
    {%- endfor -%}
    {%- set missing = [] -%}
    {%- for replication in replication_list() -%}
        {%- if replication not in present -%}
            {%- do missing.append(replication) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error(
            "Year " ~ (year - 1) ~ " has not been simulated for scenario '" ~ var('scenario_id')
            ~ "' / plan design '" ~ var('plan_design_id') ~ "', replication(s) " ~ (missing | join(', '))
            ~ ", so year " ~ year ~ " has no starting workforce; " ~ hint) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
