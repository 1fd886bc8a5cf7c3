{#-
    Everything that happened to one employee in one run, in order (year, event_sequence):
    `planalign timeline --employee EMP_0000042` (make timeline) runs this file with its
    parameters bound; `dbt compile --select employee_timeline --vars '{employee_id: EMP_0000042}'`
    shows it compiled.
-#}
with

settings as (
    select
        cast({{ report_param('scenario_id', 'baseline') }} as varchar) as scenario_id,
        cast({{ report_param('plan_design_id', 'baseline') }} as varchar) as plan_design_id,
        cast({{ report_param('replication_id', 0) }} as integer) as replication_id,
        cast({{ report_param('employee_id', 'EMP_0000001') }} as varchar) as employee_id
),

events as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        employee_id,
        event_id,
        simulation_year,
        event_sequence,
        effective_date,
        event_type,
        amount,
        compensation_before,
        compensation_after,
        job_level_before,
        job_level_after,
        deferral_rate_before,
        deferral_rate_after,
        reason
    from {{ ref('fct_yearly_events') }}
),

final as (
    select
        events.simulation_year,
        events.event_sequence,
        events.effective_date,
        events.event_type,
        events.amount,
        events.compensation_before,
        events.compensation_after,
        events.job_level_before,
        events.job_level_after,
        events.deferral_rate_before,
        events.deferral_rate_after,
        events.reason,
        events.event_id
    from events
    inner join settings
        on
            events.scenario_id = settings.scenario_id
            and events.plan_design_id = settings.plan_design_id
            and events.replication_id = settings.replication_id
            and events.employee_id = settings.employee_id
)

select * from final
order by simulation_year, event_sequence, effective_date, event_id
