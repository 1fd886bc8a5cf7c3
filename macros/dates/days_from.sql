{#- Days from start_date to end_date (a whole number; DuckDB: date minus date, Spark: datediff). -#}
{% macro days_from(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_from', 'planalign')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_from(start_date, end_date) -%}
    {{ end_date }} - {{ start_date }}
{%- endmacro %}

{% macro spark__days_from(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}
