{#-
    Headcount identity, every scenario and year: start + hires - terminations = end,
    and each year starts from the previous year's end. Returns the years that break it.
-#}
{{ config(tags=['critical']) }}

with

snapshot as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        count(case when not is_new_hire then 1 end) as start_headcount,
        count(case when employment_status = 'active' then 1 end) as end_headcount
    from {{ ref('fct_workforce_snapshot') }}
    -- this year and the last: each year starts from the previous year's end
    where {{ test_scope(years_back=1) }}
    group by scenario_id, plan_design_id, replication_id, simulation_year
),

events as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        count(case when event_type = 'hire' then 1 end) as hires,
        count(case when event_type = 'termination' then 1 end) as terminations
    from {{ ref('fct_yearly_events') }}
    where {{ test_scope(years_back=1) }}
    group by scenario_id, plan_design_id, replication_id, simulation_year
),

years as (
    select
        snapshot.*,
        coalesce(events.hires, 0) as hires,
        coalesce(events.terminations, 0) as terminations,
        previous_year.end_headcount as previous_end_headcount
    from snapshot
    left join events
        on
            snapshot.scenario_id = events.scenario_id
            and snapshot.plan_design_id = events.plan_design_id
            and snapshot.replication_id = events.replication_id
            and snapshot.simulation_year = events.simulation_year
    left join snapshot as previous_year
        on
            snapshot.scenario_id = previous_year.scenario_id
            and snapshot.plan_design_id = previous_year.plan_design_id
            and snapshot.replication_id = previous_year.replication_id
            and snapshot.simulation_year = previous_year.simulation_year + 1
)

select * from years
where
    start_headcount + hires - terminations <> end_headcount
    or (previous_end_headcount is not null and previous_end_headcount <> start_headcount)
