{#-
    Overrides dbt's get_where_subquery, through which every generic test reads its model: the
    test's own `where` config, and test_scope() on the scoping columns the model documents
    (scenario_id, plan_design_id, replication_id, simulation_year). So a year's build tests
    that year's rows only, and a run by hand everything stored. One of PlanAlign's overrides of dbt
    (scripts/dbt/overrides.py, "test_scope"): with PLANALIGN_PLAIN_DBT=1 it is dbt's own, which applies
    the `where` config only (the critical tripwires' own test_scope() calls still scope them).
-#}
{% macro get_where_subquery(relation) -%}
    {%- if planalign_plain_dbt() -%}
        {{ return(dbt.get_where_subquery(relation)) }}
    {%- endif -%}
    {%- set terms = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do terms.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set scoped = test_scope(columns=documented_columns(none if relation is string else relation.identifier)) -%}
    {%- if scoped != '1 = 1' -%}
        {%- do terms.append(scoped) -%}
    {%- endif -%}
    {%- if terms -%}
        {%- set filtered -%}
            (select * from {{ relation }} as dbt_tested where {{ terms | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
