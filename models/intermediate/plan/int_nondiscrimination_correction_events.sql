{#-
    The events of the corrections the design applies (fct_nondiscrimination_corrections): a corrective_distribution
    of the excess deferrals and the vested excess match paid back to an HCE, and a qnec to an NHCE, dated like the
    year's contributions (Dec 31, or the last day of employment). reason names the tests corrected (adp, acp or
    acp+adp). The unvested excess match forfeited is in the forfeiture event.
-#}
with

applied as (
    select
        replication_id,
        employee_id,
        distributed_deferral + distributed_match as distributed_total,
        qnec,
        distribution_tests,
        qnec_tests
    from {{ ref('int_nondiscrimination_corrections_applied') }}
),

workforce as (
    select
        replication_id,
        employee_id,
        employment_end_date
    from {{ ref('int_workforce_year_folded') }}
),

dated as (
    select
        applied.*,
        workforce.employment_end_date as effective_date
    from applied
    inner join workforce
        on
            applied.replication_id = workforce.replication_id
            and applied.employee_id = workforce.employee_id
),

final as (
    select
        replication_id,
        employee_id,
        'corrective_distribution' as event_type,
        effective_date,
        distributed_total as amount,
        distribution_tests as reason
    from dated
    where distributed_total > 0
    union all
    select
        replication_id,
        employee_id,
        'qnec' as event_type,
        effective_date,
        qnec as amount,
        qnec_tests as reason
    from dated
    where qnec > 0
)

select * from final
