{#-
    Auto-escalation only raises a rate, never past the plan's cap, and never touches a
    rate already at or above it; and from one year to the next an enrolled employee's
    rate never goes down. Returns the offending events and employees.
    Checks the scenario and plan design named by the vars, against the design they
    run with (the int_*_selected models).
-#}
{{ config(tags=['critical']) }}

with

escalations as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        deferral_rate_before,
        deferral_rate_after
    from {{ ref('fct_yearly_events') }}
    where
        event_type = 'deferral_escalation'
        and scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        and {{ test_scope() }}
),

plan_designs as (
    select
        plan_design_id,
        escalation_cap
    from {{ ref('int_plan_design_selected') }}
),

snapshot as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        enrollment_status,
        deferral_rate
    from {{ ref('fct_workforce_snapshot') }}
    where
        enrollment_status = 'enrolled'
        and scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        -- this year and the last: the cross-year check below compares the two
        and {{ test_scope(years_back=1) }}
),

bad_escalations as (
    select
        escalations.scenario_id,
        escalations.plan_design_id,
        escalations.replication_id,
        escalations.simulation_year,
        escalations.employee_id,
        'escalation beyond the cap or not upward' as problem,
        escalations.deferral_rate_before,
        escalations.deferral_rate_after
    from escalations
    left join plan_designs
        on escalations.plan_design_id = plan_designs.plan_design_id
    where
        plan_designs.escalation_cap is null
        or escalations.deferral_rate_after > plan_designs.escalation_cap + 1e-9
        or escalations.deferral_rate_before >= plan_designs.escalation_cap
        or escalations.deferral_rate_after <= escalations.deferral_rate_before
),

lowered_rates as (
    select
        this_year.scenario_id,
        this_year.plan_design_id,
        this_year.replication_id,
        this_year.simulation_year,
        this_year.employee_id,
        'enrolled rate lowered from last year' as problem,
        last_year.deferral_rate as deferral_rate_before,
        this_year.deferral_rate as deferral_rate_after
    from snapshot as this_year
    inner join snapshot as last_year
        on
            this_year.scenario_id = last_year.scenario_id
            and this_year.plan_design_id = last_year.plan_design_id
            and this_year.replication_id = last_year.replication_id
            and this_year.employee_id = last_year.employee_id
            and this_year.simulation_year = last_year.simulation_year + 1
    where this_year.deferral_rate < last_year.deferral_rate - 1e-9
)

select * from bad_escalations
union all
select * from lowered_rates
