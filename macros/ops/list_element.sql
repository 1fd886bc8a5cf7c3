{#- The position-th element of a list, counted from 1 (null past its end). -#}
{% macro list_element(expr, position) -%}
    {{ return(adapter.dispatch('list_element', 'planalign')(expr, position)) }}
{%- endmacro %}

{% macro default__list_element(expr, position) -%}
    {{ expr }}[{{ position }}]
{%- endmacro %}

{% macro spark__list_element(expr, position) -%}
    try_element_at({{ expr }}, {{ position }})
{%- endmacro %}
