{#-
    Plan eligibility of everyone employed in the year. Requirements are met on the later
    of the day the employee reaches min_eligibility_age and the end of the waiting period
    (hire date + eligibility_service_days); entry is that day (immediate), the first of
    the next month (monthly) or of the next quarter (quarterly), unless the day already
    is one. A census participant who enrolled earlier is eligible from the enrollment
    date. Eligible in the year means entry on or before Dec 31 and on or before the
    termination date (the termination day is a day employed, as everywhere in the engine).
-#}
with

workforce as (
    select
        replication_id,
        employee_id,
        birth_date,
        hire_date,
        termination_date,
        enrollment_status,
        enrollment_date
    from {{ ref('int_workforce_year_folded') }}
),

plan_design as (
    select
        min_eligibility_age,
        eligibility_service_days,
        entry_frequency
    from {{ ref('int_plan_design_selected') }}
),

requirements as (
    select
        workforce.*,
        plan_design.entry_frequency,
        greatest(
            cast({{ dbt.dateadd('year', 'plan_design.min_eligibility_age', 'workforce.birth_date') }} as date),
            {{ add_days('workforce.hire_date', 'plan_design.eligibility_service_days') }}
        ) as requirements_met_date
    from workforce
    cross join plan_design
),

entry as (
    select
        requirements.*,
        case requirements.entry_frequency
            when 'monthly' then {{ period_entry_date('requirements.requirements_met_date', 'month') }}
            when 'quarterly' then {{ period_entry_date('requirements.requirements_met_date', 'quarter') }}
            else requirements.requirements_met_date
        end as entry_date
    from requirements
),

eligibility as (
    select
        entry.replication_id,
        entry.employee_id,
        entry.requirements_met_date,
        entry.entry_date,
        case
            when entry.enrollment_status in ('enrolled', 'opted_out') and entry.enrollment_date < entry.entry_date
                then entry.enrollment_date
            else entry.entry_date
        end as eligibility_date
    from entry
),

final as (
    select
        eligibility.*,
        eligibility.eligibility_date <= {{ year_end_date() }}
        and (workforce.termination_date is null or eligibility.eligibility_date <= workforce.termination_date)
            as is_eligible,
        eligibility.eligibility_date >= {{ year_start_date() }} as is_newly_eligible
    from eligibility
    inner join workforce
        on
            eligibility.replication_id = workforce.replication_id
            and eligibility.employee_id = workforce.employee_id
)

select * from final
