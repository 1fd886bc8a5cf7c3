{#-
    Everything that happened to one employee, year by year, in each replication: `dbt compile
    --select employee_timeline --vars '{timeline_employee_id: EMP_0000042}'` and run the SQL in
    target/compiled/.
-#}
with

events as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        event_sequence,
        event_type,
        effective_date,
        reason,
        job_level_before,
        job_level_after,
        compensation_before,
        compensation_after
    from {{ ref('fct_yearly_events') }}
    where employee_id = '{{ var("timeline_employee_id", "EMP_0000001") }}'
)

select * from events
order by scenario_id, plan_design_id, replication_id, simulation_year, event_sequence
