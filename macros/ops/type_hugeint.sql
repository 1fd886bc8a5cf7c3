{#- A 128-bit integer for exact whole-number money maths (cents x rates): Spark's widest exact integer is a
    decimal of 38 digits. -#}
{% macro type_hugeint() -%}
    {{ return(adapter.dispatch('type_hugeint', 'planalign')()) }}
{%- endmacro %}

{% macro default__type_hugeint() -%}
    hugeint
{%- endmacro %}

{% macro spark__type_hugeint() -%}
    decimal(38, 0)
{%- endmacro %}
