{#-
    The steps of the plan design's vesting schedule: from the var plan_design (vesting)
    when present, else the schedule's rows of the vesting_schedules seed.
-#}
{%- set design = plan_design_var() -%}
{#- referenced even when not read: see plan_design_var() -#}
{%- set seed_rows = ref('vesting_schedules') -%}

with

plan_design as (
    select vesting_schedule_id from {{ ref('int_plan_design_selected') }}
),

vesting_schedules as (
    {% if design is none -%}
        select
            vesting_schedule_id,
            service_years,
            vested_share
        from {{ seed_rows }}
    {%- else -%}
        {{ rows_as_relation(design['vesting'], plan_seed_column_types('vesting_schedules'),
            constants={'vesting_schedule_id': design['vesting_schedule_id']}, label='var plan_design.vesting') }}
    {%- endif %}
),

final as (
    select
        vesting_schedules.vesting_schedule_id,
        vesting_schedules.service_years,
        vesting_schedules.vested_share
    from vesting_schedules
    inner join plan_design
        on vesting_schedules.vesting_schedule_id = plan_design.vesting_schedule_id
)

select * from final
