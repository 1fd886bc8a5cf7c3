{#-
    The var new_hire_pay_range as [low, high] floats, 0 <= low < high <= 1: the share of the
    level's band a new hire's pay is drawn from (default [0, 1]: the whole band). Anything
    else is a compile error (the CLI refuses it earlier, naming the scenario key).
-#}
{% macro new_hire_pay_range() -%}
    {%- set raw = var('new_hire_pay_range') -%}
    {%- if raw is string or raw is mapping or raw is not iterable or raw | length != 2 -%}
        {{ exceptions.raise_compiler_error("var new_hire_pay_range must be [low, high], got: " ~ raw) }}
    {%- endif -%}
    {%- set low = raw[0] | float(-1) -%}
    {%- set high = raw[1] | float(-1) -%}
    {%- if not (0 <= low < high <= 1) -%}
        {{ exceptions.raise_compiler_error("var new_hire_pay_range must be [low, high] with 0 <= low < high <= 1, got: " ~ raw) }}
    {%- endif -%}
    {{ return([low, high]) }}
{%- endmacro %}
