{#-
    Every employee in a snapshot comes from the census, from a hire event, or (hired in an
    earlier year) from the previous year's snapshot with the same source. Returns the strangers.
    A year's build checks that year against the year before it; a stranger is caught in the
    first year it appears. Only the checked year's rows are joined (last year's snapshot is read
    for its hires alone), so the check costs one year of snapshot, not two.
-#}
{{ config(tags=['critical']) }}

with

snapshot as (
    select distinct
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        employee_source
    from {{ ref('fct_workforce_snapshot') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        -- the year being checked (every stored year when run by hand)
        and {{ test_scope() }}
),

hired_snapshot as (
    -- this year and the last: a hire of an earlier year is traced through last year's snapshot
    select distinct
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id
    from {{ ref('fct_workforce_snapshot') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        and employee_source = 'hire'
        and {{ test_scope(years_back=1) }}
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
        simulation_year,
        employee_id
    from {{ ref('fct_yearly_events') }}
    where
        event_type = 'hire'
        and {{ test_scope(years_back=1) }}
),

traced_hires as (
    select distinct
        snapshot.scenario_id,
        snapshot.plan_design_id,
        snapshot.replication_id,
        snapshot.simulation_year,
        snapshot.employee_id
    from snapshot
    inner join hires
        on
            snapshot.scenario_id = hires.scenario_id
            and snapshot.plan_design_id = hires.plan_design_id
            and snapshot.replication_id = hires.replication_id
            and snapshot.simulation_year >= hires.simulation_year
            and snapshot.employee_id = hires.employee_id
),

checked as (
    select
        snapshot.*,
        census.employee_id is not null as is_in_census,
        traced_hires.employee_id is not null as is_hired,
        previous_year.employee_id is not null as is_in_previous_year
    from snapshot
    left join census
        on snapshot.employee_id = census.employee_id
    left join traced_hires
        on
            snapshot.scenario_id = traced_hires.scenario_id
            and snapshot.plan_design_id = traced_hires.plan_design_id
            and snapshot.replication_id = traced_hires.replication_id
            and snapshot.simulation_year = traced_hires.simulation_year
            and snapshot.employee_id = traced_hires.employee_id
    left join hired_snapshot as previous_year
        on
            snapshot.scenario_id = previous_year.scenario_id
            and snapshot.plan_design_id = previous_year.plan_design_id
            and snapshot.replication_id = previous_year.replication_id
            and snapshot.simulation_year = previous_year.simulation_year + 1
            and snapshot.employee_id = previous_year.employee_id
)

select distinct
    scenario_id,
    plan_design_id,
    replication_id,
    employee_id,
    employee_source
from checked
where
    (employee_source = 'census' and not is_in_census)
    or (employee_source = 'hire' and not is_hired and not is_in_previous_year)
    or employee_source not in ('census', 'hire')
