{#-
    The simulated year. Taken from --vars simulation_year when given, else from the
    environment variable PLANALIGN_YEAR (what the CLI sets: unlike a change of --vars it
    keeps dbt's partial parse), else the scenario's start_year.
-#}
{% macro sim_year() -%}
    {%- set from_vars = var('simulation_year', none) -%}
    {%- if from_vars is not none -%}
        {{ return(from_vars | int) }}
    {%- endif -%}
    {%- set from_env = env_var('PLANALIGN_YEAR', '') -%}
    {%- if from_env != '' -%}
        {{ return(from_env | int) }}
    {%- endif -%}
    {{ return(var('start_year') | int) }}
{%- endmacro %}
