{% macro hex_to_bigint(hex_expr) -%}
    {{ return(adapter.dispatch('hex_to_bigint', 'planalign')(hex_expr)) }}
{%- endmacro %}

{% macro default__hex_to_bigint(hex_expr) -%}
    cast(('0x' || {{ hex_expr }}) as bigint)
{%- endmacro %}

{% macro spark__hex_to_bigint(hex_expr) -%}
    cast(conv({{ hex_expr }}, 16, 10) as bigint)
{%- endmacro %}
