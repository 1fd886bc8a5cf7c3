{#-
    The rows a data test reads, as a predicate on a relation's own columns. When a year is
    being built (var simulation_year or env PLANALIGN_YEAR set, as the CLI does): the
    (scenario, plan design, replications) named by the vars and the year just built, plus
    the years_back years before it for the cross-year tripwires. Run by hand (no year set):
    true, so `dbt test --select tag:critical` checks everything stored. columns: which of
    the scoping columns the relation has (a relation without simulation_year is scoped to
    its scenario and plan design only).
-#}
{% macro test_scope(years_back=0, columns=none) -%}
    {%- set columns = columns if columns is not none
        else ['scenario_id', 'plan_design_id', 'replication_id', 'simulation_year'] -%}
    {%- if var('simulation_year', none) is none and env_var('PLANALIGN_YEAR', '') == '' -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- set year = sim_year() -%}
    {%- set terms = [] -%}
    {%- if 'scenario_id' in columns -%}
        {%- do terms.append("scenario_id = '" ~ var('scenario_id') ~ "'") -%}
    {%- endif -%}
    {%- if 'plan_design_id' in columns -%}
        {%- do terms.append("plan_design_id = '" ~ var('plan_design_id') ~ "'") -%}
    {%- endif -%}
    {#- a comparison view (base and alternative runs): the pairs whose base is the run being built -#}
    {%- if 'base_scenario_id' in columns -%}
        {%- do terms.append("base_scenario_id = '" ~ var('scenario_id') ~ "'") -%}
    {%- endif -%}
    {%- if 'base_plan_design_id' in columns -%}
        {%- do terms.append("base_plan_design_id = '" ~ var('plan_design_id') ~ "'") -%}
    {%- endif -%}
    {%- if 'replication_id' in columns -%}
        {%- do terms.append(replication_filter()) -%}
    {%- endif -%}
    {%- if 'simulation_year' in columns -%}
        {%- if years_back == 0 -%}
            {%- do terms.append("simulation_year = " ~ year) -%}
        {%- else -%}
            {%- do terms.append("simulation_year between " ~ (year - years_back) ~ " and " ~ year) -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(terms | join(' and ') if terms else '1 = 1') }}
{%- endmacro %}
