{#- The run that wrote a row: the CLI's run id when it drives dbt, else dbt's invocation id. -#}
{% macro run_stamp_id() -%}
    {{ return(env_var('PLANALIGN_RUN_ID', invocation_id)) }}
{%- endmacro %}
