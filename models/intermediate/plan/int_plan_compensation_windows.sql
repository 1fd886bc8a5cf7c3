{#-
    The pay each contribution is figured on, per employee and year. Plan compensation is
    prorated pay capped at 401(a)(17). Deferral compensation is the pay earned from the
    day deferrals start to the end of employment; core compensation the pay earned
    while eligible; both capped at 401(a)(17). Also the facts the match and core
    eligibility rules need: whole years of service by anniversaries and hours worked in
    the year (at Dec 31 or termination), employment on Dec 31, and the age attained by
    Dec 31.
-#}
with

workforce as (
    select
        replication_id,
        employee_id,
        birth_date,
        hire_date,
        employment_start_date,
        employment_end_date,
        hours_per_week,
        prorated_compensation
    from {{ ref('int_workforce_year_folded') }}
),

participation as (
    select
        replication_id,
        employee_id,
        eligibility_date,
        is_eligible,
        deferral_rate,
        deferral_start_date
    from {{ ref('int_plan_participation_resolved') }}
),

salary_segments as (
    select
        replication_id,
        employee_id,
        segment_start_date,
        segment_end_date,
        annual_compensation
    from {{ ref('int_salary_segments_built') }}
),

limits as (
    select compensation_limit from {{ ref('int_irs_limits_resolved') }}
),

windows as (
    select
        workforce.replication_id,
        workforce.employee_id,
        workforce.employment_end_date,
        participation.deferral_start_date,
        case
            when participation.is_eligible
                then greatest(participation.eligibility_date, workforce.employment_start_date)
        end as eligible_start_date
    from workforce
    inner join participation
        on
            workforce.replication_id = participation.replication_id
            and workforce.employee_id = participation.employee_id
),

segment_overlaps as (
    select
        windows.replication_id,
        windows.employee_id,
        salary_segments.annual_compensation,
        {{ overlap_days('windows.deferral_start_date', 'windows.employment_end_date',
            'salary_segments.segment_start_date', 'salary_segments.segment_end_date') }} as deferral_days,
        {{ overlap_days('windows.eligible_start_date', 'windows.employment_end_date',
            'salary_segments.segment_start_date', 'salary_segments.segment_end_date') }} as eligible_days
    from windows
    inner join salary_segments
        on
            windows.replication_id = salary_segments.replication_id
            and windows.employee_id = salary_segments.employee_id
),

window_pay as (
    select
        segment_overlaps.replication_id,
        segment_overlaps.employee_id,
        sum(segment_overlaps.annual_compensation * segment_overlaps.deferral_days) as deferral_compensation_days,
        sum(segment_overlaps.annual_compensation * segment_overlaps.eligible_days) as core_compensation_days
    from segment_overlaps
    group by segment_overlaps.replication_id, segment_overlaps.employee_id
),

final as (
    select
        workforce.replication_id,
        workforce.employee_id,
        participation.is_eligible,
        participation.deferral_rate,
        workforce.prorated_compensation,
        least(workforce.prorated_compensation, limits.compensation_limit) as plan_compensation,
        workforce.prorated_compensation > limits.compensation_limit as is_compensation_limited,
        least(
            cast(
                round(coalesce(window_pay.deferral_compensation_days, 0) / {{ days_in_year() }}, 2)
                as decimal(18, 2)
            ),
            limits.compensation_limit
        ) as deferral_compensation,
        least(
            cast(
                round(coalesce(window_pay.core_compensation_days, 0) / {{ days_in_year() }}, 2)
                as decimal(18, 2)
            ),
            limits.compensation_limit
        ) as core_compensation,
        cast({{ sim_year() }} - extract(year from workforce.birth_date) as integer) as age_at_year_end,
        cast({{ whole_years_between('workforce.hire_date', 'workforce.employment_end_date') }} as integer)
            as service_years,
        {{ round_half_up('workforce.hours_per_week * (' ~ dbt.datediff('workforce.employment_start_date',
            'workforce.employment_end_date', 'day') ~ ' + 1) / 7') }} as annual_hours,
        -- a termination on Dec 31 still works the last day of the plan year
        workforce.employment_end_date = {{ year_end_date() }} as is_employed_last_day
    from workforce
    inner join participation
        on
            workforce.replication_id = participation.replication_id
            and workforce.employee_id = participation.employee_id
    left join window_pay
        on
            workforce.replication_id = window_pay.replication_id
            and workforce.employee_id = window_pay.employee_id
    cross join limits
)

select * from final
