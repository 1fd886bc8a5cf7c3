{#- The keys of var('plan_design') that hold lists of rows rather than a design column. -#}
{% macro plan_design_list_keys() -%}
    {{ return(['match_tiers', 'core_tiers', 'vesting', 'enrollment_behavior']) }}
{%- endmacro %}
