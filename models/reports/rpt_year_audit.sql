{#- One audit line per (scenario, plan design, year): what the CLI prints after each year and writes to the multi-year summary. -#}
with

headcount_plan as (
    select
        scenario_id,
        plan_design_id,
        simulation_year,
        start_headcount,
        experienced_terminations,
        reduction_in_force_terminations,
        hires,
        new_hire_terminations,
        target_headcount
    from {{ ref('fct_headcount_plan') }}
),

snapshot as (
    select
        scenario_id,
        plan_design_id,
        simulation_year,
        count(case when employment_status = 'active' then 1 end) as end_headcount,
        avg(case when employment_status = 'active' then annual_compensation end) as average_compensation,
        sum(prorated_compensation) as total_prorated_compensation
    from {{ ref('fct_workforce_snapshot') }}
    group by scenario_id, plan_design_id, simulation_year
),

final as (
    select
        headcount_plan.scenario_id,
        headcount_plan.plan_design_id,
        headcount_plan.simulation_year,
        headcount_plan.start_headcount,
        headcount_plan.experienced_terminations,
        headcount_plan.reduction_in_force_terminations,
        headcount_plan.hires,
        headcount_plan.new_hire_terminations,
        snapshot.end_headcount,
        headcount_plan.target_headcount,
        round(
            cast(snapshot.end_headcount - headcount_plan.start_headcount as {{ type_double() }})
            / nullif(headcount_plan.start_headcount, 0), 6
        ) as growth_rate,
        cast(round(snapshot.average_compensation, 2) as decimal(18, 2)) as average_compensation,
        cast(snapshot.total_prorated_compensation as decimal(18, 2)) as total_prorated_compensation
    from headcount_plan
    inner join snapshot
        on
            headcount_plan.scenario_id = snapshot.scenario_id
            and headcount_plan.plan_design_id = snapshot.plan_design_id
            and headcount_plan.simulation_year = snapshot.simulation_year
)

select * from final
