{#-
    Monte Carlo output: per (scenario_id, plan_design_id, period, metric) over the stored
    replications (1..N; replication 0 is the single deterministic run and is left out) the
    mean and the P10, P50 and P90 of headcount, employer cost (match, core, total),
    participation, average deferral and the other reported metrics.
-#}
with

metrics as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        period,
        period_sort,
        metric,
        metric_sort,
        metric_value
    from {{ ref('rpt_scenario_metrics') }}
    where replication_id > 0
),

final as (
    select
        metrics.scenario_id,
        metrics.plan_design_id,
        metrics.period,
        metrics.period_sort,
        metrics.metric,
        metrics.metric_sort,
        count(*) as replications,
        -- the mean from the exact decimal sum: an average of doubles depends on the order DuckDB's threads add
        -- them in, and so did this column's last digit
        round(cast(sum(metrics.metric_value) as {{ type_double() }}) / count(*), 6) as mean_value,
        round({{ percentile('cast(metrics.metric_value as ' ~ type_double() ~ ')', 0.1) }}, 6) as p10_value,
        round({{ percentile('cast(metrics.metric_value as ' ~ type_double() ~ ')', 0.5) }}, 6) as p50_value,
        round({{ percentile('cast(metrics.metric_value as ' ~ type_double() ~ ')', 0.9) }}, 6) as p90_value
    from metrics
    group by
        metrics.scenario_id, metrics.plan_design_id, metrics.period, metrics.period_sort, metrics.metric,
        metrics.metric_sort
)

select * from final
