{#-
    The employer match before 415(c). For each tier of the formula that fits the
    employee's whole years of service: match_rate x the deferrals between deferral_from
    and deferral_to of deferral compensation; then the optional cap (match_cap_rate of
    deferral compensation). Nothing for someone who misses a match eligibility rule
    (service years, employed on Dec 31, annual hours).
-#}
with

contributions as (
    select
        replication_id,
        employee_id,
        employee_contribution,
        deferral_compensation,
        service_years,
        annual_hours,
        is_employed_last_day
    from {{ ref('int_employee_contributions_capped') }}
),

plan_design as (
    select
        match_formula_id,
        match_cap_rate,
        match_min_service_years,
        match_requires_last_day,
        match_min_annual_hours
    from {{ ref('int_plan_design_selected') }}
),

match_tiers as (
    select
        match_formula_id,
        min_service_years,
        max_service_years,
        deferral_from,
        deferral_to,
        match_rate
    from {{ ref('int_plan_match_tiers_selected') }}
),

eligibility as (
    select
        contributions.*,
        plan_design.match_formula_id,
        plan_design.match_cap_rate,
        plan_design.match_formula_id <> 'none'
        and contributions.service_years >= plan_design.match_min_service_years
        and (contributions.is_employed_last_day or not plan_design.match_requires_last_day)
        and contributions.annual_hours >= plan_design.match_min_annual_hours as is_match_eligible
    from contributions
    cross join plan_design
),

formula as (
    select
        eligibility.replication_id,
        eligibility.employee_id,
        sum(match_tiers.match_rate * least(
            greatest(eligibility.employee_contribution - match_tiers.deferral_from * eligibility.deferral_compensation, 0),
            (match_tiers.deferral_to - match_tiers.deferral_from) * eligibility.deferral_compensation
        )) as formula_match
    from eligibility
    inner join match_tiers
        on
            eligibility.match_formula_id = match_tiers.match_formula_id
            and eligibility.service_years >= match_tiers.min_service_years
            and eligibility.service_years < match_tiers.max_service_years
    where eligibility.is_match_eligible
    group by eligibility.replication_id, eligibility.employee_id
),

capped as (
    select
        eligibility.replication_id,
        eligibility.employee_id,
        eligibility.match_formula_id,
        eligibility.is_match_eligible,
        cast(round(coalesce(formula.formula_match, 0), 2) as decimal(18, 2)) as formula_match,
        cast(round(eligibility.match_cap_rate * eligibility.deferral_compensation, 2) as decimal(18, 2))
            as match_cap
    from eligibility
    left join formula
        on
            eligibility.replication_id = formula.replication_id
            and eligibility.employee_id = formula.employee_id
),

final as (
    select
        capped.replication_id,
        capped.employee_id,
        capped.match_formula_id,
        capped.is_match_eligible,
        capped.formula_match,
        capped.match_cap,
        cast(least(capped.formula_match, coalesce(capped.match_cap, capped.formula_match)) as decimal(18, 2))
            as employer_match,
        coalesce(capped.match_cap < capped.formula_match, false) as is_match_capped
    from capped
)

select * from final
