{#- dbt.type_float() is 32-bit on some adapters: draws and money maths need 64 bits. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'planalign')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}
