{#-
    A match is paid whenever an active formula applies: the plan has a match tier for the
    employee's whole years of service with a positive rate that the deferral reaches, and
    the employee meets the plan's match rules (service, employed on Dec 31, hours),
    recomputed here from the snapshot. Only 415(c) may take it to zero. Returns the
    employees left without a match. Only the unpaid are checked against the formula (a few rows,
    not the whole year's snapshot).
    Checks the scenario and plan design named by the vars, against the design they
    run with (the int_*_selected models).
-#}
{{ config(tags=['critical']) }}

with

snapshot as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        employment_status,
        hire_date,
        termination_date,
        tenure_years,
        hours_per_week,
        deferral_compensation_amount,
        employee_contribution_amount,
        employer_match_amount,
        is_415c_limited
    from {{ ref('fct_workforce_snapshot') }}
    where
        employee_contribution_amount > 0
        and scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        and {{ test_scope() }}
),

plan_designs as (
    select
        plan_design_id,
        match_formula_id,
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
        match_rate
    from {{ ref('int_plan_match_tiers_selected') }}
),

unpaid as (
    -- the employees paid no match (and not cut to zero by 415(c)): the only ones who can fail
    select *
    from snapshot
    where employer_match_amount <= 0 and not is_415c_limited
),

facts as (
    select
        unpaid.*,
        {{ whole_years_between('unpaid.hire_date',
            'coalesce(unpaid.termination_date, cast(unpaid.simulation_year || \'-12-31\' as date))') }}
            as service_years,
        coalesce(extract(month from unpaid.termination_date) * 100 + extract(day from unpaid.termination_date), 1231)
        = 1231 as is_employed_last_day,
        unpaid.hours_per_week * ({{ dbt.datediff(
            'greatest(unpaid.hire_date, cast(unpaid.simulation_year || \'-01-01\' as date))',
            'coalesce(unpaid.termination_date, cast(unpaid.simulation_year || \'-12-31\' as date))',
            'day') }} + 1) / 7.0 as annual_hours
    from unpaid
),

owed as (
    select distinct
        facts.scenario_id,
        facts.plan_design_id,
        facts.replication_id,
        facts.simulation_year,
        facts.employee_id
    from facts
    inner join plan_designs
        on facts.plan_design_id = plan_designs.plan_design_id
    inner join match_tiers
        on
            plan_designs.match_formula_id = match_tiers.match_formula_id
            and facts.service_years >= match_tiers.min_service_years
            and facts.service_years < match_tiers.max_service_years
    where
        match_tiers.match_rate > 0
        and facts.employee_contribution_amount > match_tiers.deferral_from * facts.deferral_compensation_amount
        and facts.service_years >= plan_designs.match_min_service_years
        and (facts.is_employed_last_day or not plan_designs.match_requires_last_day)
        and round(facts.annual_hours) >= plan_designs.match_min_annual_hours
)

select facts.*
from facts
inner join owed
    on
        facts.scenario_id = owed.scenario_id
        and facts.plan_design_id = owed.plan_design_id
        and facts.replication_id = owed.replication_id
        and facts.simulation_year = owed.simulation_year
        and facts.employee_id = owed.employee_id
