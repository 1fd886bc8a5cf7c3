{#- Text split on a delimiter (a SQL expression of one character) into a list of the pieces. -#}
{% macro split_text(expr, delimiter_sql) -%}
    {{ return(adapter.dispatch('split_text', 'planalign')(expr, delimiter_sql)) }}
{%- endmacro %}

{% macro default__split_text(expr, delimiter_sql) -%}
    string_split({{ expr }}, {{ delimiter_sql }})
{%- endmacro %}

{#- Spark's split takes a regular expression: the delimiter is quoted (\Q...\E); -1 keeps trailing empty pieces -#}
{% macro spark__split_text(expr, delimiter_sql) -%}
    split({{ expr }}, concat('\Q', {{ delimiter_sql }}, '\E'), -1)
{%- endmacro %}
