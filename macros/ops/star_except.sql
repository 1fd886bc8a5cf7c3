{#- Every column of a CTE or table but the named ones (DuckDB: * exclude; Spark: * except). -#}
{% macro star_except(relation_alias, columns) -%}
    {{ return(adapter.dispatch('star_except', 'planalign')(relation_alias, columns)) }}
{%- endmacro %}

{% macro default__star_except(relation_alias, columns) -%}
    {{ relation_alias }}.* exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__star_except(relation_alias, columns) -%}
    {{ relation_alias }}.* except ({{ columns | join(', ') }})
{%- endmacro %}
