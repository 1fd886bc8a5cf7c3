{#-
    One audit line per (scenario, plan design, replication, year): what the CLI prints after each year
    and writes to the multi-year summary. Plan figures: eligible and participating
    employees active at Dec 31 (participating = enrolled at a rate above zero), their
    average deferral rate, and the year's contributions and forfeitures of everyone; the employer's
    cost gross, the forfeitures used to reduce it and net (rpt_employer_cost).
-#}
with

headcount_plan as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
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
        replication_id,
        simulation_year,
        count(case when employment_status = 'active' then 1 end) as end_headcount,
        avg(case when employment_status = 'active' then annual_compensation end) as average_compensation,
        sum(prorated_compensation) as total_prorated_compensation,
        count(case when employment_status = 'active' and is_plan_eligible then 1 end) as eligible_count,
        count(case
            when
                employment_status = 'active' and is_plan_eligible
                and enrollment_status = 'enrolled' and deferral_rate > 0 then 1
        end) as participant_count,
        avg(case
            when
                employment_status = 'active' and is_plan_eligible
                and enrollment_status = 'enrolled' and deferral_rate > 0 then deferral_rate
        end) as average_deferral_rate,
        sum(employee_contribution_amount) as employee_contributions,
        sum(employer_match_amount) as employer_match,
        sum(employer_core_amount) as employer_core,
        sum(forfeiture_amount) as forfeitures,
        sum(qnec_amount) as qnec,
        sum(top_heavy_minimum_amount) as top_heavy_minimum,
        sum(corrective_distribution_amount) as corrective_distributions,
        sum(case when employment_status = 'active' then total_balance_amount end) as active_balances
    from {{ ref('fct_workforce_snapshot') }}
    group by scenario_id, plan_design_id, replication_id, simulation_year
),

employer_cost as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        gross_employer_cost_amount,
        forfeitures_used_to_reduce_amount,
        net_employer_cost_amount
    from {{ ref('rpt_employer_cost') }}
),

final as (
    select
        headcount_plan.scenario_id,
        headcount_plan.plan_design_id,
        headcount_plan.replication_id,
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
        cast(snapshot.total_prorated_compensation as decimal(18, 2)) as total_prorated_compensation,
        snapshot.eligible_count,
        snapshot.participant_count,
        round(
            cast(snapshot.participant_count as {{ type_double() }}) / nullif(snapshot.eligible_count, 0), 6
        ) as participation_rate,
        round(snapshot.average_deferral_rate, 6) as average_deferral_rate,
        cast(snapshot.employee_contributions as decimal(18, 2)) as employee_contributions,
        cast(snapshot.employer_match as decimal(18, 2)) as employer_match,
        cast(snapshot.employer_core as decimal(18, 2)) as employer_core,
        cast(
            snapshot.employer_match + snapshot.employer_core + snapshot.qnec + snapshot.top_heavy_minimum
            as decimal(18, 2)
        ) as employer_cost,
        cast(snapshot.forfeitures as decimal(18, 2)) as forfeitures,
        cast(snapshot.active_balances as decimal(18, 2)) as active_balances,
        cast(snapshot.qnec as decimal(18, 2)) as qnec,
        cast(snapshot.corrective_distributions as decimal(18, 2)) as corrective_distributions,
        employer_cost.gross_employer_cost_amount as gross_employer_cost,
        employer_cost.forfeitures_used_to_reduce_amount as forfeitures_used,
        employer_cost.net_employer_cost_amount as net_employer_cost
    from headcount_plan
    inner join snapshot
        on
            headcount_plan.scenario_id = snapshot.scenario_id
            and headcount_plan.plan_design_id = snapshot.plan_design_id
            and headcount_plan.replication_id = snapshot.replication_id
            and headcount_plan.simulation_year = snapshot.simulation_year
    left join employer_cost
        on
            headcount_plan.scenario_id = employer_cost.scenario_id
            and headcount_plan.plan_design_id = employer_cost.plan_design_id
            and headcount_plan.replication_id = employer_cost.replication_id
            and headcount_plan.simulation_year = employer_cost.simulation_year
)

select * from final
