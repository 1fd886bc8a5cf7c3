{#-
    The column types of the plan seeds as seeds/_seeds.yml declares them (config.column_types),
    as an ordered mapping name -> type, so that a design passed in the var plan_design gets
    exactly the seed's types (tests/unit/test_plan_design_types.py checks they agree with
    _seeds.yml). `columns` keeps only those, in that order. Text becomes dbt.type_string().
-#}
{% macro plan_seed_column_types(seed_name, columns=none) -%}
    {%- set declared = {
        'plan_designs': {
            'plan_design_id': 'string',
            'description': 'string',
            'min_eligibility_age': 'integer',
            'eligibility_service_days': 'integer',
            'entry_frequency': 'string',
            'is_auto_enroll': 'boolean',
            'auto_enroll_scope': 'string',
            'auto_enroll_rate': 'decimal(10,6)',
            'auto_enroll_days': 'integer',
            'opt_out_window_days': 'integer',
            'enrollment_profile_id': 'string',
            'is_auto_escalation': 'boolean',
            'escalation_rate': 'decimal(10,6)',
            'escalation_cap': 'decimal(10,6)',
            'escalation_opt_out_rate': 'decimal(10,6)',
            'match_formula_id': 'string',
            'match_cap_rate': 'decimal(10,6)',
            'match_min_service_years': 'integer',
            'match_requires_last_day': 'boolean',
            'match_min_annual_hours': 'integer',
            'core_formula_id': 'string',
            'core_min_service_years': 'integer',
            'core_requires_last_day': 'boolean',
            'core_min_annual_hours': 'integer',
            'vesting_schedule_id': 'string',
            'safe_harbor': 'string',
            'ndt_testing_method': 'string',
            'ndt_compensation': 'string',
            'hce_top_paid_group': 'boolean',
            'ndt_correction': 'string',
            'roth_available': 'boolean',
            'forfeiture_use': 'string',
        },
        'plan_match_tiers': {
            'match_formula_id': 'string',
            'min_service_years': 'integer',
            'max_service_years': 'integer',
            'tier_number': 'integer',
            'deferral_from': 'decimal(10,6)',
            'deferral_to': 'decimal(10,6)',
            'match_rate': 'decimal(10,6)',
        },
        'plan_core_tiers': {
            'core_formula_id': 'string',
            'min_service_years': 'integer',
            'max_service_years': 'integer',
            'core_rate': 'decimal(10,6)',
        },
        'vesting_schedules': {
            'vesting_schedule_id': 'string',
            'service_years': 'integer',
            'vested_share': 'decimal(10,6)',
        },
        'enrollment_behavior': {
            'enrollment_profile_id': 'string',
            'min_age': 'double',
            'max_age': 'double',
            'opt_out_rate': 'decimal(10,6)',
            'voluntary_enrollment_rate': 'decimal(10,6)',
        },
    } -%}
    {%- if seed_name not in declared -%}
        {{ exceptions.raise_compiler_error("plan_seed_column_types: no column types for seed " ~ seed_name) }}
    {%- endif -%}
    {%- set types = {} -%}
    {%- for name in (columns if columns is not none else declared[seed_name].keys() | list) -%}
        {%- set declared_type = declared[seed_name][name] -%}
        {%- do types.update({name: dbt.type_string() if declared_type == 'string' else declared_type}) -%}
    {%- endfor -%}
    {{ return(types) }}
{%- endmacro %}
