{#- The continuous p-quantile of expr within a group (interpolated, as P10/P50/P90 bands are). -#}
{% macro percentile(expr, p) -%}
    {{ return(adapter.dispatch('percentile', 'planalign')(expr, p)) }}
{%- endmacro %}

{% macro default__percentile(expr, p) -%}
    quantile_cont({{ expr }}, {{ p }})
{%- endmacro %}

{% macro spark__percentile(expr, p) -%}
    percentile({{ expr }}, {{ p }})
{%- endmacro %}
