{#-
    The employer core (nonelective) contribution before 415(c): the service band's
    core_rate x core compensation (pay while eligible), for employees who meet the core
    eligibility rules (service years, employed on Dec 31, annual hours).
-#}
with

windows as (
    select
        replication_id,
        employee_id,
        is_eligible,
        core_compensation,
        service_years,
        annual_hours,
        is_employed_last_day
    from {{ ref('int_plan_compensation_windows') }}
),

plan_design as (
    select
        core_formula_id,
        core_min_service_years,
        core_requires_last_day,
        core_min_annual_hours
    from {{ ref('int_plan_design_selected') }}
),

core_tiers as (
    select
        core_formula_id,
        min_service_years,
        max_service_years,
        core_rate
    from {{ ref('int_plan_core_tiers_selected') }}
),

eligibility as (
    select
        windows.*,
        plan_design.core_formula_id,
        plan_design.core_formula_id <> 'none'
        and windows.is_eligible
        and windows.service_years >= plan_design.core_min_service_years
        and (windows.is_employed_last_day or not plan_design.core_requires_last_day)
        and windows.annual_hours >= plan_design.core_min_annual_hours as is_core_eligible
    from windows
    cross join plan_design
),

final as (
    select
        eligibility.replication_id,
        eligibility.employee_id,
        eligibility.core_formula_id,
        eligibility.is_core_eligible,
        core_tiers.core_rate,
        cast(case
            when eligibility.is_core_eligible then round(coalesce(core_tiers.core_rate, 0) * eligibility.core_compensation, 2)
            else 0
        end as decimal(18, 2)) as employer_core
    from eligibility
    left join core_tiers
        on
            eligibility.core_formula_id = core_tiers.core_formula_id
            and eligibility.service_years >= core_tiers.min_service_years
            and eligibility.service_years < core_tiers.max_service_years
)

select * from final
