{#-
    The corrections the design applies to each employee's year (ndt_correction refund or qnec; nothing under
    report), summed over the ADP and ACP tests from fct_nondiscrimination_corrections: the deferrals distributed,
    the excess match taken out of the match balance (its vested share distributed, the rest forfeited) and the
    QNEC. One row per employee with a correction.
-#}
with

corrections as (
    select
        replication_id,
        employee_id,
        test_name,
        distributed_amount,
        excess_amount,
        forfeited_amount,
        qnec_amount
    from {{ ref('fct_nondiscrimination_corrections') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        and simulation_year = {{ sim_year() }}
        and {{ replication_filter() }}
        and is_applied
),

final as (
    select
        replication_id,
        employee_id,
        cast(sum(case when test_name = 'adp' then distributed_amount else 0 end) as decimal(18, 2))
            as distributed_deferral,
        cast(sum(case when test_name = 'acp' then excess_amount else 0 end) as decimal(18, 2)) as excess_match,
        cast(sum(case when test_name = 'acp' then distributed_amount else 0 end) as decimal(18, 2))
            as distributed_match,
        cast(sum(forfeited_amount) as decimal(18, 2)) as forfeited_match,
        cast(sum(qnec_amount) as decimal(18, 2)) as qnec,
        {{ distinct_text_list('test_name', '+', 'distributed_amount > 0') }} as distribution_tests,
        {{ distinct_text_list('test_name', '+', 'qnec_amount > 0') }} as qnec_tests
    from corrections
    group by replication_id, employee_id
)

select * from final
