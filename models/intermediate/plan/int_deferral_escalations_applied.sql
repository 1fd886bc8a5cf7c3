{#-
    Auto-escalation on Jan 1: everyone enrolled before that day at a rate above zero and
    below the cap goes up by escalation_rate, to at most escalation_cap. A rate at or
    above the cap is left alone (never lowered). Whether an employee opted out of
    escalation is one draw per person, keyed to the start year so it holds every year.
-#}
with

start_of_year as (
    select
        replication_id,
        employee_id,
        enrollment_status,
        enrollment_date,
        deferral_rate
    from {{ ref('int_workforce_start_of_year') }}
),

plan_design as (
    select
        is_auto_escalation,
        escalation_rate,
        escalation_cap,
        escalation_opt_out_rate
    from {{ ref('int_plan_design_selected') }}
),

candidates as (
    select
        start_of_year.replication_id,
        start_of_year.employee_id,
        cast(round(start_of_year.deferral_rate, 6) as decimal(10, 6)) as deferral_rate_before,
        plan_design.escalation_rate,
        plan_design.escalation_cap,
        plan_design.escalation_opt_out_rate,
        {{ uniform_draw('start_of_year.employee_id', 'escalation_opt_out', year=var('start_year'),
            replication='start_of_year.replication_id') }} as opt_out_draw
    from start_of_year
    cross join plan_design
    where
        plan_design.is_auto_escalation
        and start_of_year.enrollment_status = 'enrolled'
        and start_of_year.enrollment_date < {{ year_start_date() }}
        and start_of_year.deferral_rate > 0
        and cast(round(start_of_year.deferral_rate, 6) as decimal(10, 6)) < plan_design.escalation_cap
),

final as (
    select
        candidates.replication_id,
        candidates.employee_id,
        'deferral_escalation' as event_type,
        {{ year_start_date() }} as effective_date,
        candidates.deferral_rate_before,
        least(candidates.deferral_rate_before + candidates.escalation_rate, candidates.escalation_cap)
            as deferral_rate_after,
        'auto_escalation' as reason,
        candidates.escalation_opt_out_rate as probability,
        candidates.opt_out_draw as draw
    from candidates
    where candidates.opt_out_draw >= candidates.escalation_opt_out_rate
)

select * from final
