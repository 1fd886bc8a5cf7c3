{#-
    Who gains and who loses when a base run's plan design is replaced by an alternative's, over
    the horizon (the years both runs have stored): from rpt_winners_losers_employees, one row per
    (base run, alternative run, dimension, band). A winner's employer contributions are higher
    under the alternative, a loser's lower, unchanged to the cent otherwise. For a Monte Carlo set
    the counts are averages over the replications (replication k against replication k) and the
    change's mean, P10 and P90 are over every employee of every replication. Dimension 'all'
    has one band with everyone; every other dimension (job_level, age_band, tenure_band,
    pay_band) splits the same people, so its bands add up to 'all' and winners + losers +
    unchanged = people in every row.
-#}
{%- set range_dimensions = report_range_dimensions() -%}
with

employees as {{ inlined_cte() }} (
    select
        base_scenario_id,
        base_plan_design_id,
        alt_scenario_id,
        alt_plan_design_id,
        replication_set,
        replication_id,
        employee_id,
        base_employer_contributions,
        alt_employer_contributions,
        employer_contribution_change,
        job_level,
        age,
        tenure_years,
        annual_compensation
    from {{ ref('rpt_winners_losers_employees') }}
    where period = 'horizon'
),

recorded_levels as {{ inlined_cte() }} (
    select
        dim_assumptions.scenario_id,
        dim_assumptions.plan_design_id,
        dim_assumptions.replication_set,
        {{ json_rows('dim_assumptions.rows_json', {'job_level': 'integer', 'level_name': 'varchar'}) }}
    from {{ ref('dim_assumptions') }} as dim_assumptions
    where dim_assumptions.table_name = 'job_levels'
),

job_levels as {{ inlined_cte() }} (
    select
        job_level,
        level_name
    from {{ assumption('job_levels') }}
),

{{ report_range_band_ctes() }}

banded as {{ inlined_cte() }} (
    select
        employees.*,
        'all' as dimension,
        'everyone' as band_label,
        0 as band_sort
    from employees

    union all

    select
        employees.*,
        'job_level' as dimension,
        coalesce(recorded_levels.level_name, job_levels.level_name, cast(employees.job_level as varchar)) as band_label,
        employees.job_level as band_sort
    from employees
    left join recorded_levels
        on
            employees.base_scenario_id = recorded_levels.scenario_id
            and employees.base_plan_design_id = recorded_levels.plan_design_id
            and employees.replication_set = recorded_levels.replication_set
            and employees.job_level = recorded_levels.job_level
    left join job_levels
        on employees.job_level = job_levels.job_level

    {% for dimension, column, seed in range_dimensions %}
        union all

        select
            employees.*,
            '{{ dimension }}' as dimension,
            coalesce({{ dimension }}s.band_label, 'unbanded') as band_label,
            {{ dimension }}s.band_sort
        from employees
        left join {{ dimension }}s
            on
                employees.{{ column }} >= {{ dimension }}s.min_value
                and employees.{{ column }} < {{ dimension }}s.max_value
    {% endfor %}
),

replication_counts as {{ inlined_cte() }} (
    select
        base_scenario_id,
        base_plan_design_id,
        alt_scenario_id,
        alt_plan_design_id,
        replication_set,
        count(distinct replication_id) as replications
    from employees
    group by base_scenario_id, base_plan_design_id, alt_scenario_id, alt_plan_design_id, replication_set
)

select
    banded.base_scenario_id,
    banded.base_plan_design_id,
    banded.alt_scenario_id,
    banded.alt_plan_design_id,
    banded.replication_set,
    banded.dimension,
    banded.band_label,
    banded.band_sort,
    replication_counts.replications,
    cast(count(*) as {{ type_double() }}) / replication_counts.replications as people,
    cast(count(case when banded.employer_contribution_change > 0 then 1 end) as {{ type_double() }})
    / replication_counts.replications as winners,
    cast(count(case when banded.employer_contribution_change < 0 then 1 end) as {{ type_double() }})
    / replication_counts.replications as losers,
    cast(count(case when banded.employer_contribution_change = 0 then 1 end) as {{ type_double() }})
    / replication_counts.replications as unchanged,
    cast(sum(banded.base_employer_contributions) / replication_counts.replications as decimal(24, 2))
        as base_employer_contributions,
    cast(sum(banded.alt_employer_contributions) / replication_counts.replications as decimal(24, 2))
        as alt_employer_contributions,
    cast(avg(banded.employer_contribution_change) as decimal(24, 2)) as mean_change,
    cast(
        {{ percentile('cast(banded.employer_contribution_change as ' ~ type_double() ~ ')', 0.1) }}
        as decimal(24, 2)
    ) as p10_change,
    cast(
        {{ percentile('cast(banded.employer_contribution_change as ' ~ type_double() ~ ')', 0.9) }}
        as decimal(24, 2)
    ) as p90_change,
    cast(
        avg(case when banded.employer_contribution_change > 0 then banded.employer_contribution_change end)
        as decimal(24, 2)
    ) as mean_gain,
    cast(
        avg(case when banded.employer_contribution_change < 0 then banded.employer_contribution_change end)
        as decimal(24, 2)
    ) as mean_loss
from banded
inner join replication_counts
    on
        banded.base_scenario_id = replication_counts.base_scenario_id
        and banded.base_plan_design_id = replication_counts.base_plan_design_id
        and banded.alt_scenario_id = replication_counts.alt_scenario_id
        and banded.alt_plan_design_id = replication_counts.alt_plan_design_id
        and banded.replication_set = replication_counts.replication_set
group by
    banded.base_scenario_id, banded.base_plan_design_id, banded.alt_scenario_id, banded.alt_plan_design_id,
    banded.replication_set, banded.dimension, banded.band_label, banded.band_sort, replication_counts.replications
