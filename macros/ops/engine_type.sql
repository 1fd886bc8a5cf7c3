{#-
    A column type as the target engine spells it: DuckDB takes every type the project writes as it is; Spark
    has no bare `varchar` (it wants a length, or `string`). The assumption tables' column types reach the
    SQL from the var assumptions, where text is `varchar` (scripts/engine/assumptions.py column_types).
-#}
{% macro engine_type(data_type) -%}
    {{ return(adapter.dispatch('engine_type', 'planalign')(data_type)) }}
{%- endmacro %}

{% macro default__engine_type(data_type) -%}
    {{ return(data_type) }}
{%- endmacro %}

{% macro spark__engine_type(data_type) -%}
    {{ return('string' if data_type | lower in ['varchar', 'text'] else data_type) }}
{%- endmacro %}
