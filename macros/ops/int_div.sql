{#- Whole-number division, truncated toward zero (DuckDB's //, Spark's div); the operands are SQL text. -#}
{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div', 'planalign')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__int_div(numerator, denominator) -%}
    {{ numerator }} // {{ denominator }}
{%- endmacro %}

{% macro spark__int_div(numerator, denominator) -%}
    ({{ numerator }} div {{ denominator }})
{%- endmacro %}
