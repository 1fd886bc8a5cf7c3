{#-
    Every stored run against every other of the same kind (single run against single run,
    Monte Carlo set against Monte Carlo set), per period (year or 'horizon') and metric:
    both sides' values, the absolute and relative difference (alt - base), and for Monte
    Carlo sets each side's P10-P90 band and the band of the paired difference. Pairing
    replication k of one side with replication k of the other compares the same draws
    (common random numbers), so that band is the effect of the change, not noise.
    The CLI (planalign compare) selects one (base, alt) pair and writes it out.
-#}
with

metrics as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        replication_set,
        period,
        period_sort,
        metric,
        metric_sort,
        metric_value
    from {{ ref('rpt_scenario_metrics') }}
),

sides as (
    select
        metrics.replication_set,
        metrics.scenario_id,
        metrics.plan_design_id,
        metrics.period,
        metrics.period_sort,
        metrics.metric,
        metrics.metric_sort,
        count(*) as replications,
        cast(avg(metrics.metric_value) as decimal(24, 6)) as metric_value,
        {{ percentile('cast(metrics.metric_value as ' ~ type_double() ~ ')', 0.1) }} as p10_value,
        {{ percentile('cast(metrics.metric_value as ' ~ type_double() ~ ')', 0.9) }} as p90_value
    from metrics
    group by
        metrics.replication_set, metrics.scenario_id, metrics.plan_design_id, metrics.period,
        metrics.period_sort, metrics.metric, metrics.metric_sort
),

paired_differences as (
    select
        base_metrics.scenario_id as base_scenario_id,
        base_metrics.plan_design_id as base_plan_design_id,
        alt_metrics.scenario_id as alt_scenario_id,
        alt_metrics.plan_design_id as alt_plan_design_id,
        base_metrics.period,
        base_metrics.metric,
        cast(alt_metrics.metric_value - base_metrics.metric_value as {{ type_double() }}) as difference
    from metrics as base_metrics
    inner join metrics as alt_metrics
        on
            base_metrics.replication_id = alt_metrics.replication_id
            and base_metrics.period = alt_metrics.period
            and base_metrics.metric = alt_metrics.metric
            and (
                base_metrics.scenario_id <> alt_metrics.scenario_id
                or base_metrics.plan_design_id <> alt_metrics.plan_design_id
            )
    where base_metrics.replication_set = 'monte_carlo'
),

difference_bands as (
    select
        paired_differences.base_scenario_id,
        paired_differences.base_plan_design_id,
        paired_differences.alt_scenario_id,
        paired_differences.alt_plan_design_id,
        paired_differences.period,
        paired_differences.metric,
        {{ percentile('paired_differences.difference', 0.1) }} as difference_p10,
        {{ percentile('paired_differences.difference', 0.5) }} as difference_p50,
        {{ percentile('paired_differences.difference', 0.9) }} as difference_p90
    from paired_differences
    group by
        paired_differences.base_scenario_id, paired_differences.base_plan_design_id,
        paired_differences.alt_scenario_id, paired_differences.alt_plan_design_id,
        paired_differences.period, paired_differences.metric
),

final as (
    select
        base_sides.replication_set,
        base_sides.scenario_id as base_scenario_id,
        base_sides.plan_design_id as base_plan_design_id,
        alt_sides.scenario_id as alt_scenario_id,
        alt_sides.plan_design_id as alt_plan_design_id,
        base_sides.period,
        base_sides.period_sort,
        base_sides.metric,
        base_sides.metric_sort,
        least(base_sides.replications, alt_sides.replications) as replications,
        base_sides.metric_value as base_value,
        alt_sides.metric_value as alt_value,
        alt_sides.metric_value - base_sides.metric_value as abs_difference,
        round(
            cast(alt_sides.metric_value - base_sides.metric_value as {{ type_double() }})
            / nullif(cast(base_sides.metric_value as {{ type_double() }}), 0), 6
        ) as rel_difference,
        case when base_sides.replication_set = 'monte_carlo' then round(base_sides.p10_value, 6) end as base_p10,
        case when base_sides.replication_set = 'monte_carlo' then round(base_sides.p90_value, 6) end as base_p90,
        case when alt_sides.replication_set = 'monte_carlo' then round(alt_sides.p10_value, 6) end as alt_p10,
        case when alt_sides.replication_set = 'monte_carlo' then round(alt_sides.p90_value, 6) end as alt_p90,
        round(difference_bands.difference_p10, 6) as difference_p10,
        round(difference_bands.difference_p50, 6) as difference_p50,
        round(difference_bands.difference_p90, 6) as difference_p90
    from sides as base_sides
    inner join sides as alt_sides
        on
            base_sides.replication_set = alt_sides.replication_set
            and base_sides.period = alt_sides.period
            and base_sides.metric = alt_sides.metric
            and (
                base_sides.scenario_id <> alt_sides.scenario_id
                or base_sides.plan_design_id <> alt_sides.plan_design_id
            )
    left join difference_bands
        on
            base_sides.scenario_id = difference_bands.base_scenario_id
            and base_sides.plan_design_id = difference_bands.base_plan_design_id
            and alt_sides.scenario_id = difference_bands.alt_scenario_id
            and alt_sides.plan_design_id = difference_bands.alt_plan_design_id
            and base_sides.period = difference_bands.period
            and base_sides.metric = difference_bands.metric
)

select * from final
