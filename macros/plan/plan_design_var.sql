{#-
    The fully resolved plan design passed by the CLI in the var plan_design (a mapping:
    every column of seeds/plan_designs.csv plus match_tiers, core_tiers, vesting and
    enrollment_behavior as lists of mappings), or none when the var is absent: then the
    *_selected models read the plan seeds by plan_design_id. Each of them ref()s its seed either way,
    so that the refs dbt records while parsing do not depend on this var: the CLI parses the project
    once, without vars, for every scenario and design (scripts/dbt/runner.py).
-#}
{% macro plan_design_var() -%}
    {%- set design = var('plan_design') -%}
    {%- if design is not none and design is not mapping -%}
        {{ exceptions.raise_compiler_error("var plan_design must be a mapping (the resolved plan design), got: " ~ design) }}
    {%- endif -%}
    {{ return(design) }}
{%- endmacro %}
