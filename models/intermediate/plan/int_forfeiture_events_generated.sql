{#-
    A forfeiture event on the termination date (sequenced before the termination) for each unvested employer balance
    left behind, and on Dec 31 for the unvested excess match of a corrected ACP test (the last day of employment of a
    leaver: one event with both).
-#}
with

balances as (
    select
        replication_id,
        employee_id,
        forfeiture,
        vesting_schedule_id
    from {{ ref('int_plan_balances_rolled') }}
    where forfeiture > 0
),

workforce as (
    select
        replication_id,
        employee_id,
        employment_end_date
    from {{ ref('int_workforce_year_folded') }}
),

final as (
    select
        balances.replication_id,
        balances.employee_id,
        'forfeiture' as event_type,
        workforce.employment_end_date as effective_date,
        balances.forfeiture as amount,
        balances.vesting_schedule_id as reason
    from balances
    inner join workforce
        on
            balances.replication_id = workforce.replication_id
            and balances.employee_id = workforce.employee_id
)

select * from final
