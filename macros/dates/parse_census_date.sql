{#- A census date as text to a date, or null when it cannot be parsed. -#}
{% macro parse_census_date(text_expr) -%}
    {{ return(adapter.dispatch('parse_census_date', 'planalign')(text_expr)) }}
{%- endmacro %}

{% macro default__parse_census_date(text_expr) -%}
    cast(try_strptime({{ text_expr }}, ['%Y-%m-%d', '%Y-%m-%d %H:%M:%S', '%m/%d/%Y', '%Y/%m/%d']) as date)
{%- endmacro %}
