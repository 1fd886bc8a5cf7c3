{#- Every employee in a snapshot comes from the census or from a hire event. Returns the strangers. -#}
{{ config(tags=['critical']) }}

with

snapshot as (
    select distinct
        scenario_id,
        plan_design_id,
        replication_id,
        employee_id,
        employee_source
    from {{ ref('fct_workforce_snapshot') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
),

census as (
    select employee_id from {{ ref('stg_census__employees') }}
    -- staging holds one census per (scenario_id, plan_design_id)
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
),

hires as (
    select distinct
        scenario_id,
        plan_design_id,
        replication_id,
        employee_id
    from {{ ref('fct_yearly_events') }}
    where event_type = 'hire'
)

select snapshot.*
from snapshot
left join census
    on snapshot.employee_id = census.employee_id
left join hires
    on
        snapshot.scenario_id = hires.scenario_id
        and snapshot.plan_design_id = hires.plan_design_id
        and snapshot.replication_id = hires.replication_id
        and snapshot.employee_id = hires.employee_id
where
    (snapshot.employee_source = 'census' and census.employee_id is null)
    or (snapshot.employee_source = 'hire' and hires.employee_id is null)
    or snapshot.employee_source not in ('census', 'hire')
