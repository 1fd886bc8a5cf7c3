{#-
    The nondiscrimination tests of every stored run side by side, one row per (replication set,
    scenario, plan design, year, test): how many replications passed, failed, were exempt or had
    nothing to test, the probability of failing (the share of the replications that failed; 0 or 1
    for the single run) with its 90% Wilson interval for a Monte Carlo set (when some replication
    was tested), the median margin, and what correcting the failures costs, averaged over every
    replication (0 where the test passed): the refund to HCEs and the QNEC to NHCEs
    (rpt_nondiscrimination_corrections, ADP and ACP only; the QNEC is null under prior-year
    testing), with the correction the design applies. It reads every test rpt_nondiscrimination
    has, so a test added there (top-heavy) is summarised here without a change. The batch's
    decision summary page and workbook read it.
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
        result_reason,
        margin
    from {{ ref('rpt_nondiscrimination') }}
),

corrections as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        test_name,
        refund_total,
        qnec_cost,
        ndt_correction,
        applied_employer_cost
    from {{ ref('rpt_nondiscrimination_corrections') }}
),

joined as (
    select
        case when tests.replication_id = 0 then 'single' else 'monte_carlo' end as replication_set,
        tests.scenario_id,
        tests.plan_design_id,
        tests.replication_id,
        tests.simulation_year,
        tests.test_name,
        tests.rule_section,
        tests.result,
        tests.result_reason,
        tests.margin,
        corrections.refund_total,
        corrections.qnec_cost,
        corrections.ndt_correction,
        corrections.applied_employer_cost
    from tests
    left join corrections
        on
            tests.scenario_id = corrections.scenario_id
            and tests.plan_design_id = corrections.plan_design_id
            and tests.replication_id = corrections.replication_id
            and tests.simulation_year = corrections.simulation_year
            and tests.test_name = corrections.test_name
),

counted as (
    select
        joined.replication_set,
        joined.scenario_id,
        joined.plan_design_id,
        joined.simulation_year,
        joined.test_name,
        min(joined.rule_section) as rule_section,
        count(*) as replications,
        count(case when joined.result = 'pass' then 1 end) as passed,
        count(case when joined.result = 'fail' then 1 end) as failed,
        count(case when joined.result = 'exempt' then 1 end) as exempt,
        count(case when joined.result = 'not_applicable' then 1 end) as not_applicable,
        min(joined.result_reason) as result_reason,
        {{ percentile('cast(joined.margin as ' ~ type_double() ~ ')', 0.5) }} as median_margin,
        avg(joined.refund_total) as refund_mean,
        avg(joined.qnec_cost) as qnec_cost_mean,
        {{ percentile('cast(joined.qnec_cost as ' ~ type_double() ~ ')', 0.1) }} as qnec_cost_p10,
        {{ percentile('cast(joined.qnec_cost as ' ~ type_double() ~ ')', 0.9) }} as qnec_cost_p90,
        min(joined.ndt_correction) as ndt_correction,
        avg(joined.applied_employer_cost) as applied_employer_cost_mean
    from joined
    group by
        joined.replication_set, joined.scenario_id, joined.plan_design_id, joined.simulation_year, joined.test_name
),

final as (
    select
        counted.replication_set,
        counted.scenario_id,
        counted.plan_design_id,
        counted.simulation_year,
        counted.test_name,
        counted.rule_section,
        case
            when counted.exempt = counted.replications then 'exempt'
            when counted.not_applicable = counted.replications then 'not_applicable'
            when counted.failed = 0 then 'pass'
            when counted.failed = counted.replications then 'fail'
            else 'mixed'
        end as outcome,
        counted.result_reason,
        counted.replications,
        counted.passed,
        counted.failed,
        counted.exempt,
        counted.not_applicable,
        round(cast(counted.failed as {{ type_double() }}) / counted.replications, 6) as fail_probability,
        case
            when counted.replication_set = 'monte_carlo' and counted.passed + counted.failed > 0
                then round({{ wilson_bound('counted.failed', 'counted.replications', 'low') }}, 6)
        end as fail_probability_low,
        case
            when counted.replication_set = 'monte_carlo' and counted.passed + counted.failed > 0
                then round({{ wilson_bound('counted.failed', 'counted.replications', 'high') }}, 6)
        end as fail_probability_high,
        cast(counted.median_margin as decimal(12, 6)) as median_margin,
        cast(counted.refund_mean as decimal(18, 2)) as refund_mean,
        cast(counted.qnec_cost_mean as decimal(18, 2)) as qnec_cost_mean,
        cast(counted.qnec_cost_p10 as decimal(18, 2)) as qnec_cost_p10,
        cast(counted.qnec_cost_p90 as decimal(18, 2)) as qnec_cost_p90,
        counted.ndt_correction,
        cast(counted.applied_employer_cost_mean as decimal(18, 2)) as applied_employer_cost_mean
    from counted
)

select * from final
