{#-
    Every year does exactly what its headcount plan says: hires whenever hires are
    needed, the planned numbers of each kind of termination, and a year-end headcount
    equal to the target round(N x (1 + growth)). Returns the years that differ.
-#}
{{ config(tags=['critical']) }}

with

headcount_plan as (
    select * from {{ ref('fct_headcount_plan') }}
    where {{ test_scope() }}
),

events as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        count(case when event_type = 'hire' then 1 end) as hires,
        count(case when reason = 'experienced_hazard' then 1 end) as experienced_terminations,
        count(case when reason = 'reduction_in_force' then 1 end) as reduction_in_force_terminations,
        count(case when reason = 'new_hire_hazard' then 1 end) as new_hire_terminations
    from {{ ref('fct_yearly_events') }}
    where {{ test_scope() }}
    group by scenario_id, plan_design_id, replication_id, simulation_year
),

snapshot as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        count(case when not is_new_hire then 1 end) as start_headcount,
        count(case when employment_status = 'active' then 1 end) as end_headcount
    from {{ ref('fct_workforce_snapshot') }}
    where {{ test_scope() }}
    group by scenario_id, plan_design_id, replication_id, simulation_year
),

compared as (
    select
        headcount_plan.scenario_id,
        headcount_plan.plan_design_id,
        headcount_plan.replication_id,
        headcount_plan.simulation_year,
        headcount_plan.start_headcount as planned_start,
        snapshot.start_headcount as actual_start,
        headcount_plan.target_headcount,
        snapshot.end_headcount,
        headcount_plan.hires as planned_hires,
        coalesce(events.hires, 0) as actual_hires,
        headcount_plan.experienced_terminations as planned_experienced_terminations,
        coalesce(events.experienced_terminations, 0) as actual_experienced_terminations,
        headcount_plan.reduction_in_force_terminations as planned_rif,
        coalesce(events.reduction_in_force_terminations, 0) as actual_rif,
        headcount_plan.new_hire_terminations as planned_new_hire_terminations,
        coalesce(events.new_hire_terminations, 0) as actual_new_hire_terminations
    from headcount_plan
    left join events
        on
            headcount_plan.scenario_id = events.scenario_id
            and headcount_plan.plan_design_id = events.plan_design_id
            and headcount_plan.replication_id = events.replication_id
            and headcount_plan.simulation_year = events.simulation_year
    left join snapshot
        on
            headcount_plan.scenario_id = snapshot.scenario_id
            and headcount_plan.plan_design_id = snapshot.plan_design_id
            and headcount_plan.replication_id = snapshot.replication_id
            and headcount_plan.simulation_year = snapshot.simulation_year
)

select * from compared
where
    actual_start is distinct from planned_start
    or end_headcount is distinct from target_headcount
    or actual_hires <> planned_hires
    or actual_experienced_terminations <> planned_experienced_terminations
    or actual_rif <> planned_rif
    or actual_new_hire_terminations <> planned_new_hire_terminations
