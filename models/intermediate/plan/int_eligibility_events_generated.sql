{#- An eligibility event for each employee who becomes eligible this year (never on or after a termination). -#}
with

eligibility as (
    select
        replication_id,
        employee_id,
        eligibility_date
    from {{ ref('int_plan_eligibility_determined') }}
    where is_eligible and is_newly_eligible
),

final as (
    select
        eligibility.replication_id,
        eligibility.employee_id,
        'eligibility' as event_type,
        eligibility.eligibility_date as effective_date,
        'age_and_service_met' as reason
    from eligibility
)

select * from final
