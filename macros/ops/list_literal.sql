{#- A list written out from SQL expressions (its elements, in order); list_element reads it from position 1. -#}
{% macro list_literal(items) -%}
    {{ return(adapter.dispatch('list_literal', 'planalign')(items)) }}
{%- endmacro %}

{% macro default__list_literal(items) -%}
    [{{ items | join(', ') }}]
{%- endmacro %}

{% macro spark__list_literal(items) -%}
    array({{ items | join(', ') }})
{%- endmacro %}
