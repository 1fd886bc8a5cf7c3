{#-
    Each employee's employer contributions (match + core) under two stored runs of the same
    kind (single against single, Monte Carlo set against Monte Carlo set), person by person:
    one row per (base run, alternative run, replication, period, employee), where period is a
    simulated year or 'horizon' (the sum over the years both runs have stored). Common random
    numbers give the same people the same draws under every design, so replication k of one
    run is compared with replication k of the other. Someone who appears in only one run
    (a scenario that hires differently) has 0 in the other and is_in_base / is_in_alt say so.
    The employee is banded on the base run's row of the latest common year they appear in
    (the alternative's when they never appear in the base): job level, age and tenure at
    Dec 31 (or at termination) and full-year pay rate, as rpt_workforce_breakdown bands them.
    The CLI reads one (base, alternative) pair; filtering on the run columns reaches the
    snapshot scans, so the view costs what that pair's rows cost: every CTE is inlined
    (macro inlined_cte), none materialized for every run of the database first.
-#}
with

snapshot as {{ inlined_cte() }} (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        case when replication_id = 0 then 'single' else 'monte_carlo' end as replication_set,
        simulation_year,
        employee_id,
        job_level,
        age,
        tenure_years,
        annual_compensation,
        employer_match_amount + employer_core_amount as employer_contributions
    from {{ ref('fct_workforce_snapshot') }}
),

run_years as {{ inlined_cte() }} (
    select distinct
        scenario_id,
        plan_design_id,
        replication_set,
        simulation_year
    from snapshot
),

pair_years as {{ inlined_cte() }} (
    select
        base_years.scenario_id as base_scenario_id,
        base_years.plan_design_id as base_plan_design_id,
        alt_years.scenario_id as alt_scenario_id,
        alt_years.plan_design_id as alt_plan_design_id,
        base_years.replication_set,
        base_years.simulation_year
    from run_years as base_years
    inner join run_years as alt_years
        on
            base_years.replication_set = alt_years.replication_set
            and base_years.simulation_year = alt_years.simulation_year
            and (
                base_years.scenario_id <> alt_years.scenario_id
                or base_years.plan_design_id <> alt_years.plan_design_id
            )
),

sided as {{ inlined_cte() }} (
    select
        pair_years.base_scenario_id,
        pair_years.base_plan_design_id,
        pair_years.alt_scenario_id,
        pair_years.alt_plan_design_id,
        pair_years.replication_set,
        snapshot.replication_id,
        snapshot.simulation_year,
        snapshot.employee_id,
        sides.is_base,
        snapshot.employer_contributions,
        snapshot.job_level,
        snapshot.age,
        snapshot.tenure_years,
        snapshot.annual_compensation
    from pair_years
    cross join (values (true), (false)) as sides (is_base)
    inner join snapshot
        on
            snapshot.scenario_id
            = case when sides.is_base then pair_years.base_scenario_id else pair_years.alt_scenario_id end
            and snapshot.plan_design_id
            = case when sides.is_base then pair_years.base_plan_design_id else pair_years.alt_plan_design_id end
            and pair_years.replication_set = snapshot.replication_set
            and pair_years.simulation_year = snapshot.simulation_year
),

yearly as {{ inlined_cte() }} (
    select
        base_scenario_id,
        base_plan_design_id,
        alt_scenario_id,
        alt_plan_design_id,
        replication_set,
        replication_id,
        simulation_year,
        employee_id,
        coalesce(sum(case when is_base then employer_contributions end), 0) as base_employer_contributions,
        coalesce(sum(case when not is_base then employer_contributions end), 0) as alt_employer_contributions,
        bool_or(is_base) as is_in_base,
        bool_or(not is_base) as is_in_alt,
        -- the row the employee is banded on: the base's when there is one
        max(case when is_base then 1 else 0 end) as band_side,
        max(case when is_base then job_level end) as base_job_level,
        max(case when not is_base then job_level end) as alt_job_level,
        max(case when is_base then age end) as base_age,
        max(case when not is_base then age end) as alt_age,
        max(case when is_base then tenure_years end) as base_tenure_years,
        max(case when not is_base then tenure_years end) as alt_tenure_years,
        max(case when is_base then annual_compensation end) as base_annual_compensation,
        max(case when not is_base then annual_compensation end) as alt_annual_compensation
    from sided
    group by
        base_scenario_id, base_plan_design_id, alt_scenario_id, alt_plan_design_id,
        replication_set, replication_id, simulation_year, employee_id
),

yearly_banded as {{ inlined_cte() }} (
    select
        base_scenario_id,
        base_plan_design_id,
        alt_scenario_id,
        alt_plan_design_id,
        replication_set,
        replication_id,
        simulation_year,
        employee_id,
        base_employer_contributions,
        alt_employer_contributions,
        is_in_base,
        is_in_alt,
        case when is_in_base then base_job_level else alt_job_level end as job_level,
        case when is_in_base then base_age else alt_age end as age,
        case when is_in_base then base_tenure_years else alt_tenure_years end as tenure_years,
        case when is_in_base then base_annual_compensation else alt_annual_compensation end as annual_compensation,
        -- latest year with a base row first, then latest year with only an alternative row
        row_number() over (
            partition by
                base_scenario_id, base_plan_design_id, alt_scenario_id, alt_plan_design_id,
                replication_set, replication_id, employee_id
            order by band_side desc, simulation_year desc
        ) as band_rank
    from yearly
),

horizon as {{ inlined_cte() }} (
    select
        base_scenario_id,
        base_plan_design_id,
        alt_scenario_id,
        alt_plan_design_id,
        replication_set,
        replication_id,
        employee_id,
        sum(base_employer_contributions) as base_employer_contributions,
        sum(alt_employer_contributions) as alt_employer_contributions,
        bool_or(is_in_base) as is_in_base,
        bool_or(is_in_alt) as is_in_alt,
        max(case when band_rank = 1 then job_level end) as job_level,
        max(case when band_rank = 1 then age end) as age,
        max(case when band_rank = 1 then tenure_years end) as tenure_years,
        max(case when band_rank = 1 then annual_compensation end) as annual_compensation
    from yearly_banded
    group by
        base_scenario_id, base_plan_design_id, alt_scenario_id, alt_plan_design_id,
        replication_set, replication_id, employee_id
)

select
    base_scenario_id,
    base_plan_design_id,
    alt_scenario_id,
    alt_plan_design_id,
    replication_set,
    replication_id,
    cast(simulation_year as varchar) as period,
    simulation_year as period_sort,
    employee_id,
    base_employer_contributions,
    alt_employer_contributions,
    alt_employer_contributions - base_employer_contributions as employer_contribution_change,
    is_in_base,
    is_in_alt,
    job_level,
    age,
    tenure_years,
    annual_compensation
from yearly_banded

union all

select
    base_scenario_id,
    base_plan_design_id,
    alt_scenario_id,
    alt_plan_design_id,
    replication_set,
    replication_id,
    'horizon' as period,
    9999 as period_sort,
    employee_id,
    base_employer_contributions,
    alt_employer_contributions,
    alt_employer_contributions - base_employer_contributions as employer_contribution_change,
    is_in_base,
    is_in_alt,
    job_level,
    age,
    tenure_years,
    annual_compensation
from horizon
