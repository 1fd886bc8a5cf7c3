{#-
    What correcting each ADP and ACP test costs, per (scenario, plan design, replication, year, test): the rows of
    rpt_nondiscrimination for adp and acp, with both corrections of a failed test summed from
    fct_nondiscrimination_corrections (Treas. Reg. §1.401(k)-2(b), §1.401(m)-2(b)):
    - refund: the total excess, the HCEs it touches, the part kept as catch-up, the part paid back and the part
      forfeited (unvested excess match); its employer cost is nil;
    - qnec: the rate of testing pay given to every NHCE in the test and its cost (null under prior-year testing);
    and which one the design applies (ndt_correction; report applies none), with the employer cost it adds.
-#}
with

tests as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        test_name,
        rule_section,
        result,
        testing_method,
        hce_count,
        nhce_count,
        hce_average,
        nhce_average,
        test_limit,
        nhce_average_needed
    from {{ ref('rpt_nondiscrimination') }}
    where test_name in ('adp', 'acp')
),

designs as (
    select
        scenario_id,
        plan_design_id,
        ndt_correction
    from {{ ref('dim_plan_designs') }}
),

corrections as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        test_name,
        max(leveled_ratio) as leveled_ratio,
        sum(excess_amount) as excess_total,
        count(*) filter (where excess_amount > 0) as hces_corrected,
        count(*) filter (where distributed_amount > 0) as hces_refunded,
        sum(recharacterized_amount) as recharacterized_total,
        sum(distributed_amount) as refund_total,
        sum(forfeited_amount) as forfeited_total,
        max(qnec_rate) as qnec_rate,
        count(*) filter (where qnec_amount > 0) as qnec_nhces,
        sum(qnec_amount) as qnec_cost
    from {{ ref('fct_nondiscrimination_corrections') }}
    group by scenario_id, plan_design_id, replication_id, simulation_year, test_name
),

final as (
    select
        tests.scenario_id,
        tests.plan_design_id,
        tests.replication_id,
        tests.simulation_year,
        tests.test_name,
        tests.rule_section,
        tests.result,
        tests.testing_method,
        tests.hce_count,
        tests.nhce_count,
        tests.hce_average,
        tests.nhce_average,
        tests.test_limit,
        tests.nhce_average_needed,
        cast(corrections.leveled_ratio as {{ type_double() }}) as leveled_ratio,
        cast(coalesce(corrections.excess_total, 0) as decimal(18, 2)) as excess_total,
        cast(coalesce(corrections.hces_corrected, 0) as bigint) as hces_corrected,
        cast(coalesce(corrections.hces_refunded, 0) as bigint) as hces_refunded,
        cast(coalesce(corrections.recharacterized_total, 0) as decimal(18, 2)) as recharacterized_total,
        cast(coalesce(corrections.refund_total, 0) as decimal(18, 2)) as refund_total,
        cast(coalesce(corrections.forfeited_total, 0) as decimal(18, 2)) as forfeited_total,
        cast(case
            when tests.result <> 'fail' then 0
            when tests.testing_method = 'current_year' then corrections.qnec_rate
        end as decimal(10, 4)) as qnec_rate,
        cast(coalesce(corrections.qnec_nhces, 0) as bigint) as qnec_nhces,
        cast(case
            when tests.result <> 'fail' then 0
            when tests.testing_method = 'current_year' then coalesce(corrections.qnec_cost, 0)
        end as decimal(18, 2)) as qnec_cost,
        cast(designs.ndt_correction as {{ dbt.type_string() }}) as ndt_correction,
        cast(case
            when tests.result <> 'fail' or designs.ndt_correction = 'report' then 'none'
            else designs.ndt_correction
        end as {{ dbt.type_string() }}) as correction_applied,
        cast(case
            when tests.result = 'fail' and designs.ndt_correction = 'qnec' then coalesce(corrections.qnec_cost, 0)
            else 0
        end as decimal(18, 2)) as applied_employer_cost
    from tests
    inner join designs
        on
            tests.scenario_id = designs.scenario_id
            and tests.plan_design_id = designs.plan_design_id
    left join corrections
        on
            tests.scenario_id = corrections.scenario_id
            and tests.plan_design_id = corrections.plan_design_id
            and tests.replication_id = corrections.replication_id
            and tests.simulation_year = corrections.simulation_year
            and tests.test_name = corrections.test_name
)

select * from final
