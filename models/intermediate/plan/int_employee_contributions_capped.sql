{#-
    Employee deferrals: deferral_rate x deferral compensation, capped at the 402(g)
    limit plus the catch-up for ages 50+ by Dec 31, or the super catch-up for ages
    60-63 in years that have one. The part above the 402(g) base limit is catch-up.
-#}
with

windows as (
    select
        replication_id,
        employee_id,
        is_eligible,
        deferral_rate,
        prorated_compensation,
        plan_compensation,
        is_compensation_limited,
        deferral_compensation,
        core_compensation,
        age_at_year_end,
        service_years,
        annual_hours,
        is_employed_last_day
    from {{ ref('int_plan_compensation_windows') }}
),

limits as (
    select
        elective_deferral_limit,
        catch_up_limit,
        super_catch_up_limit
    from {{ ref('int_irs_limits_resolved') }}
),

requested as (
    select
        windows.*,
        cast(round(coalesce(windows.deferral_rate, 0) * windows.deferral_compensation, 2) as decimal(18, 2))
            as requested_contribution,
        limits.elective_deferral_limit,
        limits.elective_deferral_limit + case
            when windows.age_at_year_end between 60 and 63 and limits.super_catch_up_limit is not null
                then limits.super_catch_up_limit
            when windows.age_at_year_end >= 50 then limits.catch_up_limit
            else 0
        end as deferral_limit
    from windows
    cross join limits
),

final as (
    select
        requested.*,
        cast(least(requested.requested_contribution, requested.deferral_limit) as decimal(18, 2))
            as employee_contribution,
        cast(greatest(
            least(requested.requested_contribution, requested.deferral_limit) - requested.elective_deferral_limit, 0
        ) as decimal(18, 2)) as catch_up_contribution,
        requested.requested_contribution > requested.deferral_limit as is_deferral_limited
    from requested
)

select * from final
