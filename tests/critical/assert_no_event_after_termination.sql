{#- No employee has an event after their termination, by date or by sequence. Returns the offending events. -#}
{{ config(tags=['critical']) }}

with

events as (
    select
        event_id,
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        event_type,
        effective_date,
        event_sequence
    from {{ ref('fct_yearly_events') }}
    -- a year's build checks its own events (last year's were checked by last year's build)...
    where {{ test_scope() }}
),

terminations as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        effective_date as termination_date,
        event_sequence as termination_sequence
    from {{ ref('fct_yearly_events') }}
    -- ... against the terminations of this year and the last
    where event_type = 'termination' and {{ test_scope(years_back=1) }}
)

select
    events.*,
    terminations.termination_date
from events
inner join terminations
    on
        events.scenario_id = terminations.scenario_id
        and events.plan_design_id = terminations.plan_design_id
        and events.replication_id = terminations.replication_id
        and events.employee_id = terminations.employee_id
        and events.simulation_year >= terminations.simulation_year
where
    events.effective_date > terminations.termination_date
    or (
        events.simulation_year = terminations.simulation_year
        and events.event_sequence > terminations.termination_sequence
    )
    or (events.simulation_year > terminations.simulation_year)
