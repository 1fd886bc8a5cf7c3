{#- Nobody enrolls (or opts out) before becoming eligible, nor without being eligible that year. Returns the offending events. -#}
{{ config(tags=['critical']) }}

with

plan_events as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        event_type,
        effective_date
    from {{ ref('fct_yearly_events') }}
    where
        event_type in ('enrollment', 'opt_out', 'employee_contribution', 'employer_match')
        and {{ test_scope() }}
),

snapshot as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        is_plan_eligible,
        eligibility_date
    from {{ ref('fct_workforce_snapshot') }}
    where {{ test_scope() }}
)

select
    plan_events.*,
    snapshot.is_plan_eligible,
    snapshot.eligibility_date
from plan_events
left join snapshot
    on
        plan_events.scenario_id = snapshot.scenario_id
        and plan_events.plan_design_id = snapshot.plan_design_id
        and plan_events.replication_id = snapshot.replication_id
        and plan_events.simulation_year = snapshot.simulation_year
        and plan_events.employee_id = snapshot.employee_id
where
    snapshot.employee_id is null
    or not snapshot.is_plan_eligible
    or plan_events.effective_date < snapshot.eligibility_date
