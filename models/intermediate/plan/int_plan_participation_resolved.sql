{#-
    Each employee's plan position for the year: eligibility, enrollment status and date
    at year end, the deferral rate in force, and the day deferrals start. People enrolled
    on Jan 1 defer all year at their (escalated, then match-response moved-up) rate; a new enrollee from the
    enrollment date. An opt-out inside the window is a permissive withdrawal: the
    year's deferrals are refunded, so deferrals never start - also for an opt-out that
    falls early this year from an auto-enrollment late last year. enrollment_source says
    how the employee came to be enrolled: census, auto or voluntary.
-#}
with

workforce as (
    select
        replication_id,
        employee_id,
        enrollment_status,
        enrollment_source,
        enrollment_date,
        deferral_rate,
        employment_start_date
    from {{ ref('int_workforce_year_folded') }}
),

eligibility as (
    select
        replication_id,
        employee_id,
        eligibility_date,
        is_eligible
    from {{ ref('int_plan_eligibility_determined') }}
),

escalations as (
    select
        replication_id,
        employee_id,
        deferral_rate_after
    from {{ ref('int_deferral_escalations_applied') }}
),

match_responses as (
    select
        replication_id,
        employee_id,
        deferral_rate_after
    from {{ ref('int_match_responses_drawn') }}
),

late_opt_outs as (
    select
        replication_id,
        employee_id
    from {{ ref('int_late_opt_outs_drawn') }}
),

decisions as (
    select
        replication_id,
        employee_id,
        is_auto_enrolled,
        auto_enroll_date,
        auto_enroll_rate,
        is_opted_out,
        is_voluntarily_enrolled,
        voluntary_enroll_date,
        voluntary_deferral_rate
    from {{ ref('int_plan_enrollments_drawn') }}
),

resolved as (
    select
        workforce.replication_id,
        workforce.employee_id,
        eligibility.eligibility_date,
        eligibility.is_eligible,
        coalesce(escalations.deferral_rate_after is not null, false) as is_escalated,
        case
            when late_opt_outs.employee_id is not null then 'opted_out'
            when workforce.enrollment_status = 'enrolled' then 'enrolled'
            when decisions.is_opted_out then 'opted_out'
            when decisions.is_auto_enrolled or decisions.is_voluntarily_enrolled then 'enrolled'
            else workforce.enrollment_status
        end as enrollment_status,
        case
            when workforce.enrollment_status = 'enrolled' then workforce.enrollment_source
            when decisions.is_auto_enrolled then 'auto'
            when decisions.is_voluntarily_enrolled then 'voluntary'
            else workforce.enrollment_source
        end as enrollment_source,
        case
            when workforce.enrollment_status = 'enrolled' then workforce.enrollment_date
            when decisions.is_auto_enrolled then decisions.auto_enroll_date
            when decisions.is_voluntarily_enrolled then decisions.voluntary_enroll_date
            else workforce.enrollment_date
        end as enrollment_date,
        case
            when late_opt_outs.employee_id is not null then cast(0 as decimal(10, 6))
            when workforce.enrollment_status = 'enrolled'
                then coalesce(
                    match_responses.deferral_rate_after,
                    escalations.deferral_rate_after,
                    cast(round(workforce.deferral_rate, 6) as decimal(10, 6))
                )
            when decisions.is_opted_out then cast(0 as decimal(10, 6))
            when decisions.is_auto_enrolled then decisions.auto_enroll_rate
            when decisions.is_voluntarily_enrolled then decisions.voluntary_deferral_rate
            else cast(round(workforce.deferral_rate, 6) as decimal(10, 6))
        end as deferral_rate,
        case
            when late_opt_outs.employee_id is not null then null
            when workforce.enrollment_status = 'enrolled'
                then greatest(workforce.enrollment_date, workforce.employment_start_date)
            when decisions.is_opted_out then null
            when decisions.is_auto_enrolled then decisions.auto_enroll_date
            when decisions.is_voluntarily_enrolled then decisions.voluntary_enroll_date
        end as deferral_start_date
    from workforce
    inner join eligibility
        on
            workforce.replication_id = eligibility.replication_id
            and workforce.employee_id = eligibility.employee_id
    left join escalations
        on
            workforce.replication_id = escalations.replication_id
            and workforce.employee_id = escalations.employee_id
    left join decisions
        on
            workforce.replication_id = decisions.replication_id
            and workforce.employee_id = decisions.employee_id
    left join match_responses
        on
            workforce.replication_id = match_responses.replication_id
            and workforce.employee_id = match_responses.employee_id
    left join late_opt_outs
        on
            workforce.replication_id = late_opt_outs.replication_id
            and workforce.employee_id = late_opt_outs.employee_id
),

final as (
    select
        resolved.replication_id,
        resolved.employee_id,
        resolved.eligibility_date,
        resolved.is_eligible,
        resolved.enrollment_status,
        resolved.enrollment_source,
        resolved.enrollment_date,
        cast(resolved.deferral_rate as decimal(10, 6)) as deferral_rate,
        resolved.is_escalated,
        resolved.deferral_start_date
    from resolved
)

select * from final
