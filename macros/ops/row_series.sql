{#- One row per integer 1..count_expr, where the count is only known at run time. -#}
{% macro row_series(count_expr, column_name='series_number') -%}
    {{ return(adapter.dispatch('row_series', 'planalign')(count_expr, column_name)) }}
{%- endmacro %}

{% macro default__row_series(count_expr, column_name='series_number') -%}
    unnest(range(1, cast({{ count_expr }} as bigint) + 1)) as {{ column_name }}
{%- endmacro %}

{% macro spark__row_series(count_expr, column_name='series_number') -%}
    explode(sequence(1, cast({{ count_expr }} as bigint))) as {{ column_name }}
{%- endmacro %}
