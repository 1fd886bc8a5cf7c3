{#- A Jinja value (from a var) as a SQL literal: null, true/false, a number, or a quoted string. -#}
{% macro sql_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is boolean -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- elif value is string -%}
        '{{ value | replace("'", "''") }}'
    {%- else -%}
        {{ exceptions.raise_compiler_error("cannot write " ~ value ~ " as a SQL literal (expected null, a boolean, a number or a string)") }}
    {%- endif -%}
{%- endmacro %}
