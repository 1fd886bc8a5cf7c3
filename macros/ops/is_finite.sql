{#- A double that is neither NaN nor infinite (null stays null). -#}
{% macro is_finite(expr) -%}
    {{ return(adapter.dispatch('is_finite', 'planalign')(expr)) }}
{%- endmacro %}

{% macro default__is_finite(expr) -%}
    isfinite({{ expr }})
{%- endmacro %}

{% macro spark__is_finite(expr) -%}
    (not isnan({{ expr }}) and abs({{ expr }}) != double('infinity'))
{%- endmacro %}
