{#-
    The decision summary of a comparison: for every base run against every alternative of the
    same kind, per year and over the horizon, the figures a plan sponsor decides on (employer
    cost gross and net of forfeitures, its present value, as % of pay and per participant,
    participation and the average deferral rate, headcount), both sides, the difference and,
    for Monte Carlo sets, the P10-P90 of the paired difference; read from
    rpt_scenario_comparison, labelled. value_kind says what a horizon figure is: a total over
    the years, a total discounted to Jan 1 of the first year, a ratio over the years, or the
    value at the end of the last year. headline is one sentence per pair on the horizon's net
    employer cost, repeated on each of the pair's rows.
-#}
{#- (metric, label, what its horizon figure is) in the order shown -#}
{%- set rows = [
    ('gross_employer_cost', 'Employer cost, gross (match + core + QNEC + top-heavy minimum)', 'total'),
    ('forfeitures_used', 'Forfeitures used to reduce employer cost', 'total'),
    ('net_employer_cost', 'Employer cost net of forfeitures used', 'total'),
    ('employer_cost_present_value', 'Present value of gross employer cost', 'present_value'),
    ('net_employer_cost_present_value', 'Present value of net employer cost', 'present_value'),
    ('employer_cost_pct_of_pay', 'Employer cost as % of pay', 'ratio'),
    ('employer_cost_per_participant', 'Employer cost per participant', 'ratio'),
    ('participation_rate', 'Participation rate (eligible, Dec 31)', 'end_value'),
    ('average_deferral_rate', 'Average deferral rate (participants, Dec 31)', 'end_value'),
    ('end_headcount', 'Headcount (Dec 31)', 'end_value'),
] -%}
with

comparison as (
    select * from {{ ref('rpt_scenario_comparison') }}
),

labels as (
    {% for metric, label, kind in rows -%}
        select
            '{{ metric }}' as metric,
            '{{ label }}' as metric_label,
            '{{ kind }}' as horizon_kind,
            {{ loop.index }} as row_sort
        {% if not loop.last %}union all
        {% endif %}
    {%- endfor %}
),

pair_years as (
    select
        replication_set,
        base_scenario_id,
        base_plan_design_id,
        alt_scenario_id,
        alt_plan_design_id,
        min(period_sort) as first_year,
        max(period_sort) as last_year
    from comparison
    where period <> 'horizon' and metric = 'gross_employer_cost'
    group by replication_set, base_scenario_id, base_plan_design_id, alt_scenario_id, alt_plan_design_id
),

rates as (
    {{ discount_rates() }}
),

summary as (
    select
        comparison.replication_set,
        comparison.base_scenario_id,
        comparison.base_plan_design_id,
        comparison.alt_scenario_id,
        comparison.alt_plan_design_id,
        comparison.period,
        comparison.period_sort,
        comparison.metric,
        labels.metric_label,
        labels.row_sort,
        case
            when comparison.period <> 'horizon' then 'year'
            when labels.horizon_kind = 'total'
                then
                    'total ' || cast(pair_years.first_year as {{ dbt.type_string() }})
                    || '-' || cast(pair_years.last_year as {{ dbt.type_string() }})
            when labels.horizon_kind = 'present_value'
                then
                    'total discounted to Jan 1 ' || cast(pair_years.first_year as {{ dbt.type_string() }})
                    || ' at ' || cast(cast(rates.discount_rate * 100 as decimal(6, 2)) as {{ dbt.type_string() }}) || '%'
            when labels.horizon_kind = 'ratio'
                then
                    'over ' || cast(pair_years.first_year as {{ dbt.type_string() }})
                    || '-' || cast(pair_years.last_year as {{ dbt.type_string() }})
            else 'at the end of ' || cast(pair_years.last_year as {{ dbt.type_string() }})
        end as value_kind,
        rates.discount_rate,
        comparison.replications,
        comparison.base_value,
        comparison.alt_value,
        comparison.abs_difference,
        comparison.rel_difference,
        comparison.difference_p10,
        comparison.difference_p90,
        pair_years.first_year,
        pair_years.last_year
    from comparison
    inner join labels on comparison.metric = labels.metric
    inner join pair_years
        on
            comparison.replication_set = pair_years.replication_set
            and comparison.base_scenario_id = pair_years.base_scenario_id
            and comparison.base_plan_design_id = pair_years.base_plan_design_id
            and comparison.alt_scenario_id = pair_years.alt_scenario_id
            and comparison.alt_plan_design_id = pair_years.alt_plan_design_id
    left join rates
        on
            comparison.base_scenario_id = rates.scenario_id
            and comparison.base_plan_design_id = rates.plan_design_id
),

headlines as (
    select
        replication_set,
        base_scenario_id,
        base_plan_design_id,
        alt_scenario_id,
        alt_plan_design_id,
        'Moving from ' || base_scenario_id || '/' || base_plan_design_id
        || ' to ' || alt_scenario_id || '/' || alt_plan_design_id
        || case
            when abs_difference > 0 then ' costs ' || {{ money_words('abs_difference', 2) }} || ' more'
            when abs_difference < 0 then ' costs ' || {{ money_words('-abs_difference', 2) }} || ' less'
            else ' costs the same'
        end
        || ' net of forfeitures over ' || cast(first_year as {{ dbt.type_string() }})
        || '-' || cast(last_year as {{ dbt.type_string() }})
        || case
            when difference_p10 is not null
                then
                    ' (P10-P90 of the difference ' || {{ money_words('difference_p10', 2) }}
                    || ' to ' || {{ money_words('difference_p90', 2) }} || ')'
            else ''
        end
        || case
            when rel_difference is not null
                then
                    ', ' || case when rel_difference >= 0 then '+' else '' end
                    || cast(cast(rel_difference * 100 as decimal(18, 1)) as {{ dbt.type_string() }})
                    || '% of the base''s net cost'
            else ''
        end
        || '.' as headline
    from summary
    where period = 'horizon' and metric = 'net_employer_cost'
)

select
    summary.*,
    headlines.headline
from summary
left join headlines
    on
        summary.replication_set = headlines.replication_set
        and summary.base_scenario_id = headlines.base_scenario_id
        and summary.base_plan_design_id = headlines.base_plan_design_id
        and summary.alt_scenario_id = headlines.alt_scenario_id
        and summary.alt_plan_design_id = headlines.alt_plan_design_id
