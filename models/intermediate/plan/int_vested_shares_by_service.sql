{#-
    The vested share of employer money for the plan design's schedule (every schedule
    of int_vesting_schedule_selected) and every whole number of years of service from 0 to var('max_service_years'): the share of the highest step
    at or below that service (a cliff or a graded schedule alike).
-#}
with

vesting_schedules as (
    select
        vesting_schedule_id,
        service_years,
        vested_share
    from {{ ref('int_vesting_schedule_selected') }}
),

schedule_ids as (
    select distinct vesting_schedule_id from vesting_schedules
),

service_grid as (
    select
        schedule_ids.vesting_schedule_id,
        {{ row_series(var('max_service_years') ~ ' + 1', 'service_step') }}
    from schedule_ids
),

final as (
    select
        service_grid.vesting_schedule_id,
        cast(service_grid.service_step - 1 as integer) as service_years,
        cast(coalesce(max(vesting_schedules.vested_share), 0) as decimal(10, 6)) as vested_share
    from service_grid
    left join vesting_schedules
        on
            service_grid.vesting_schedule_id = vesting_schedules.vesting_schedule_id
            and vesting_schedules.service_years <= service_grid.service_step - 1
    group by service_grid.vesting_schedule_id, service_grid.service_step
)

select * from final
