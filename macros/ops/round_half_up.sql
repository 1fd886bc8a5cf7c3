{#- Round a non-negative count target half up, exactly: the arithmetic is done in decimal. -#}
{% macro round_half_up(expr) -%}
    cast(floor(cast({{ expr }} as decimal(38, 10)) + cast(0.5 as decimal(38, 10))) as bigint)
{%- endmacro %}
