{#- The number of elements of a list (DuckDB) or array (Spark). -#}
{% macro list_length(expr) -%}
    {{ return(adapter.dispatch('list_length', 'planalign')(expr)) }}
{%- endmacro %}

{% macro default__list_length(expr) -%}
    len({{ expr }})
{%- endmacro %}

{% macro spark__list_length(expr) -%}
    size({{ expr }})
{%- endmacro %}
