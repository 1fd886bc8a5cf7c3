{#-
    The resolved plan design each (scenario_id, plan_design_id) was built with: every
    column of the design, its match and core tiers, vesting schedule and enrollment
    behaviour as JSON text (keys and rows sorted), and the SHA-256 of all of it. Rebuilt
    by the first year of every run (tag per_run; the scenario's row replaced), so it shows the
    design the stored years were built with.
-#}
{{ config(
    pre_hook="{{ year_scoped_delete(by_year=false) }}",
    contract={'enforced': true}
) }}
{%- set design_columns = plan_seed_column_types('plan_designs') -%}
{%- set match_columns = plan_seed_column_types('plan_match_tiers',
    ['min_service_years', 'max_service_years', 'tier_number', 'deferral_from', 'deferral_to', 'match_rate']) -%}
{%- set core_columns = plan_seed_column_types('plan_core_tiers', ['min_service_years', 'max_service_years', 'core_rate']) -%}
{%- set vesting_columns = plan_seed_column_types('vesting_schedules', ['service_years', 'vested_share']) -%}
{%- set behavior_columns = plan_seed_column_types('enrollment_behavior',
    ['min_age', 'max_age', 'opt_out_rate', 'voluntary_enrollment_rate']) -%}

with

plan_design as (
    select
        {{ design_columns.keys() | join(',\n        ') }}
    from {{ ref('int_plan_design_selected') }}
),

match_tiers as (
    select {{ match_columns.keys() | join(', ') }}
    from {{ ref('int_plan_match_tiers_selected') }}
),

core_tiers as (
    select {{ core_columns.keys() | join(', ') }}
    from {{ ref('int_plan_core_tiers_selected') }}
),

vesting_schedule as (
    select {{ vesting_columns.keys() | join(', ') }}
    from {{ ref('int_vesting_schedule_selected') }}
),

enrollment_behavior as (
    select {{ behavior_columns.keys() | join(', ') }}
    from {{ ref('int_enrollment_behavior_selected') }}
),

match_tiers_json as (
    select
        {{ json_array_agg(json_object_text('match_tiers', match_columns),
            ['match_tiers.min_service_years', 'match_tiers.tier_number']) }} as match_tiers
    from match_tiers
),

core_tiers_json as (
    select
        {{ json_array_agg(json_object_text('core_tiers', core_columns),
            ['core_tiers.min_service_years']) }} as core_tiers
    from core_tiers
),

vesting_schedule_json as (
    select
        {{ json_array_agg(json_object_text('vesting_schedule', vesting_columns),
            ['vesting_schedule.service_years']) }} as vesting_schedule
    from vesting_schedule
),

enrollment_behavior_json as (
    select
        {{ json_array_agg(json_object_text('enrollment_behavior', behavior_columns),
            ['enrollment_behavior.min_age']) }} as enrollment_behavior
    from enrollment_behavior
),

resolved as (
    select
        plan_design.*,
        match_tiers_json.match_tiers,
        core_tiers_json.core_tiers,
        vesting_schedule_json.vesting_schedule,
        enrollment_behavior_json.enrollment_behavior,
        '{"core_tiers":' || core_tiers_json.core_tiers
        || ',"design":' || {{ json_object_text('plan_design', design_columns) }}
        || ',"enrollment_behavior":' || enrollment_behavior_json.enrollment_behavior
        || ',"match_tiers":' || match_tiers_json.match_tiers
        || ',"vesting_schedule":' || vesting_schedule_json.vesting_schedule
        || '}' as design_json
    from plan_design
    cross join match_tiers_json
    cross join core_tiers_json
    cross join vesting_schedule_json
    cross join enrollment_behavior_json
),

final as (
    select
        cast('{{ var("scenario_id") }}' as {{ dbt.type_string() }}) as scenario_id,
        {%- for name, data_type in design_columns.items() %}
            cast(resolved.{{ name }} as {{ data_type }}) as {{ name }},
        {%- endfor %}
        cast(resolved.match_tiers as {{ dbt.type_string() }}) as match_tiers,
        cast(resolved.core_tiers as {{ dbt.type_string() }}) as core_tiers,
        cast(resolved.vesting_schedule as {{ dbt.type_string() }}) as vesting_schedule,
        cast(resolved.enrollment_behavior as {{ dbt.type_string() }}) as enrollment_behavior,
        cast({{ sha256_hex('resolved.design_json') }} as {{ dbt.type_string() }}) as design_sha256,
        cast('{{ run_stamp_id() }}' as {{ dbt.type_string() }}) as run_id,
        cast({{ sim_year() }} as integer) as simulation_year
    from resolved
)

select * from final
