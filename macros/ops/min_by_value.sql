{#- The value of `expr` on the row where `ordering` is least (DuckDB arg_min, Spark min_by). -#}
{% macro min_by_value(expr, ordering) -%}
    {{ return(adapter.dispatch('min_by_value', 'planalign')(expr, ordering)) }}
{%- endmacro %}

{% macro default__min_by_value(expr, ordering) -%}
    arg_min({{ expr }}, {{ ordering }})
{%- endmacro %}

{% macro spark__min_by_value(expr, ordering) -%}
    min_by({{ expr }}, {{ ordering }})
{%- endmacro %}
