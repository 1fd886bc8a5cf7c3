{#-
    The replications this invocation simulates: var('replications'), a list of distinct
    non-negative integers (0 = the single deterministic run; a Monte Carlo set of N is
    1..N). Returns the validated list of ints; fails on anything else.
-#}
{% macro replication_list() -%}
    {%- set raw = var('replications') -%}
    {%- if raw is string or raw is number -%}
        {%- set raw = fromjson('[' ~ (raw | string | replace('[', '') | replace(']', '')) ~ ']') -%}
    {%- endif -%}
    {%- set ids = [] -%}
    {%- for value in raw -%}
        {%- set as_int = value | int(-1) -%}
        {%- if as_int < 0 or (as_int | string) != (value | string | trim) -%}
            {{ exceptions.raise_compiler_error(
                "var replications: " ~ (value | string) ~ " is not a non-negative integer (got " ~ (raw | string)
                ~ "); pass a list such as [0] or [1, 2, 3]") }}
        {%- endif -%}
        {%- if as_int in ids -%}
            {{ exceptions.raise_compiler_error(
                "var replications: " ~ as_int ~ " is listed twice (got " ~ (raw | string) ~ ")") }}
        {%- endif -%}
        {%- do ids.append(as_int) -%}
    {%- endfor -%}
    {%- if ids | length == 0 -%}
        {{ exceptions.raise_compiler_error("var replications is empty; pass e.g. [0] or [1, 2, 3]") }}
    {%- endif -%}
    {{ return(ids | sort) }}
{%- endmacro %}
