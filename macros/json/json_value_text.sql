{#- The value at top-level key `key` of a JSON object held as text, as text (null when absent). -#}
{% macro json_value_text(expression, key) -%}
    {{ return(adapter.dispatch('json_value_text', 'planalign')(expression, key)) }}
{%- endmacro %}

{% macro default__json_value_text(expression, key) -%}
    json_extract_string({{ expression }}, '$.{{ key }}')
{%- endmacro %}

{% macro spark__json_value_text(expression, key) -%}
    get_json_object({{ expression }}, '$.{{ key }}')
{%- endmacro %}
