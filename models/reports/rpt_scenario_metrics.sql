{#-
    Every reported metric of every stored run in long form: one row per (scenario_id,
    plan_design_id, replication_id, period, metric), where period is a simulated year or
    'horizon' (all the years stored: flows summed, stocks and rates at the first or last
    year, ratios as the sum of the numerator over the sum of the denominator; see the
    scenario_metrics macro). Values are exact decimals, so that differences of money are exact
    to the cent. Comparisons and Monte Carlo bands read this model.
    Present values discount each year's cost, as paid at its year end, to Jan 1 of the run's
    first stored year at the scenario's discount_rate (plan.discount_rate, from its stored
    settings), each year rounded to the cent. Cost as % of pay is over everyone's prorated
    pay of the year; cost per participant is over the Dec 31 participants (over the horizon:
    per participant-year).
-#}
{%- set metrics = scenario_metrics() -%}

with

rates as (
    {{ discount_rates() }}
),

audit_rows as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        start_headcount,
        hires,
        experienced_terminations + reduction_in_force_terminations + new_hire_terminations as terminations,
        end_headcount,
        average_compensation,
        total_prorated_compensation,
        eligible_count,
        participant_count,
        participation_rate,
        average_deferral_rate,
        employee_contributions,
        employer_match,
        employer_core,
        employer_cost,
        forfeitures,
        gross_employer_cost,
        forfeitures_used,
        net_employer_cost,
        active_balances,
        simulation_year - min(simulation_year) over (
            partition by scenario_id, plan_design_id, replication_id
        ) + 1 as years_from_start
    from {{ ref('rpt_year_audit') }}
),

audit as (
    select
        audit_rows.*,
        cast(round(
            cast(audit_rows.employer_cost as {{ type_double() }})
            / power(1 + coalesce(rates.discount_rate, {{ var('discount_rate') }}), audit_rows.years_from_start),
            2
        ) as decimal(24, 2)) as employer_cost_present_value,
        cast(round(
            cast(audit_rows.net_employer_cost as {{ type_double() }})
            / power(1 + coalesce(rates.discount_rate, {{ var('discount_rate') }}), audit_rows.years_from_start),
            2
        ) as decimal(24, 2)) as net_employer_cost_present_value,
        audit_rows.employer_cost as employer_cost_pct_of_pay_numerator,
        audit_rows.total_prorated_compensation as employer_cost_pct_of_pay_denominator,
        audit_rows.employer_cost as employer_cost_per_participant_numerator,
        audit_rows.participant_count as employer_cost_per_participant_denominator
    from audit_rows
    left join rates
        on
            audit_rows.scenario_id = rates.scenario_id
            and audit_rows.plan_design_id = rates.plan_design_id
),

yearly as (
    {% for name, horizon in metrics -%}
        select
            audit.scenario_id,
            audit.plan_design_id,
            audit.replication_id,
            audit.simulation_year,
            '{{ name }}' as metric,
            {{ loop.index }} as metric_sort,
            '{{ horizon }}' as horizon_rule,
            {% if horizon == 'ratio' -%}
                cast(
                    cast(audit.{{ name }}_numerator as {{ type_double() }})
                    / nullif(audit.{{ name }}_denominator, 0) as decimal(24, 6)
                ) as metric_value,
                cast(audit.{{ name }}_numerator as decimal(24, 6)) as numerator,
                cast(audit.{{ name }}_denominator as decimal(24, 6)) as denominator
            {%- else -%}
                cast(audit.{{ name }} as decimal(24, 6)) as metric_value,
                cast(null as decimal(24, 6)) as numerator,
                cast(null as decimal(24, 6)) as denominator
            {%- endif %}
        from audit
        {% if not loop.last %}union all
        {% endif %}
    {%- endfor %}
),

ordered as (
    select
        yearly.*,
        row_number() over (
            partition by yearly.scenario_id, yearly.plan_design_id, yearly.replication_id, yearly.metric
            order by yearly.simulation_year asc nulls last
        ) as year_from_first,
        row_number() over (
            partition by yearly.scenario_id, yearly.plan_design_id, yearly.replication_id, yearly.metric
            order by yearly.simulation_year desc nulls last
        ) as year_from_last
    from yearly
),

horizon as (
    select
        ordered.scenario_id,
        ordered.plan_design_id,
        ordered.replication_id,
        ordered.metric,
        ordered.metric_sort,
        min(ordered.simulation_year) as first_year,
        max(ordered.simulation_year) as last_year,
        case min(ordered.horizon_rule)
            when 'sum' then sum(ordered.metric_value)
            when 'first' then max(case when ordered.year_from_first = 1 then ordered.metric_value end)
            when 'ratio'
                then cast(
                    cast(sum(ordered.numerator) as {{ type_double() }}) / nullif(sum(ordered.denominator), 0)
                    as decimal(24, 6)
                )
            else max(case when ordered.year_from_last = 1 then ordered.metric_value end)
        end as metric_value
    from ordered
    group by ordered.scenario_id, ordered.plan_design_id, ordered.replication_id, ordered.metric, ordered.metric_sort
),

final as (
    select
        yearly.scenario_id,
        yearly.plan_design_id,
        yearly.replication_id,
        case when yearly.replication_id = 0 then 'single' else 'monte_carlo' end as replication_set,
        cast(yearly.simulation_year as {{ dbt.type_string() }}) as period,
        yearly.simulation_year as period_sort,
        yearly.metric,
        yearly.metric_sort,
        yearly.metric_value
    from yearly
    union all
    select
        horizon.scenario_id,
        horizon.plan_design_id,
        horizon.replication_id,
        case when horizon.replication_id = 0 then 'single' else 'monte_carlo' end as replication_set,
        'horizon' as period,
        9999 as period_sort,
        horizon.metric,
        horizon.metric_sort,
        cast(horizon.metric_value as decimal(24, 6)) as metric_value
    from horizon
)

select * from final
