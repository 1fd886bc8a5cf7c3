{#-
    True when PLANALIGN_PLAIN_DBT=1 (a run without any of PlanAlign's overrides of dbt, scripts/dbt/overrides.py):
    the macros of this folder, which replace dbt's builtins of the same name, then hand over to dbt's own.
    The CLI accepts only unset, 0 or 1 (planalign.dbt.overrides.plain_dbt).
-#}
{% macro planalign_plain_dbt() -%}
    {{ return(env_var('PLANALIGN_PLAIN_DBT', '') | trim == '1') }}
{%- endmacro %}
