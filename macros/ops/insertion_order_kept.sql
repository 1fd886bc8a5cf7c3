{#-
    A hook statement: keep (or stop keeping) row order while writing. The profile turns
    preserve_insertion_order off for speed and memory; the census is read with it on, so
    that row_number() over () is the row's position in the file. keep=false restores
    the profile's setting.
-#}
{% macro insertion_order_kept(keep) -%}
    {{ return(adapter.dispatch('insertion_order_kept', 'planalign')(keep)) }}
{%- endmacro %}

{% macro default__insertion_order_kept(keep) -%}
{%- endmacro %}

{% macro duckdb__insertion_order_kept(keep) -%}
    {%- set configured = (target.settings or {}).get('preserve_insertion_order', true) -%}
    set preserve_insertion_order = {{ 'true' if keep else (configured | string | lower) }}
{%- endmacro %}
