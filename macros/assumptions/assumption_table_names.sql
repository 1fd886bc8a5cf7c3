{#-
    The workforce assumption tables a scenario may replace (scripts/engine/assumptions.py TABLES,
    in that order); each is read through assumption().
-#}
{% macro assumption_table_names() -%}
    {{ return(['job_levels', 'hazard_age_bands', 'hazard_tenure_bands', 'new_hire_age_mix', 'cola_rates',
        'enrollment_behavior', 'voluntary_deferral_rates', 'promotion_transitions',
        'roth_elections', 'match_response']) }}
{%- endmacro %}
