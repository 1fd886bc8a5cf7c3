{#-
    Employer cost net of forfeitures, per (scenario_id, plan_design_id, replication_id, simulation_year),
    from the events: gross cost = match + core + QNEC + top-heavy minimum (event types qnec and
    top_heavy_minimum: 0 until those events exist). Forfeitures arising in year Y (forfeiture events)
    are carried to, and used in, year Y + 1, the plan year after they arise (at the latest 12 months
    after the end of the year they occurred in), as the design's forfeiture_use says:
    - reduce_employer_contributions: they pay for Y + 1's employer contributions, up to the gross cost;
      what is left over cannot wait another year and is shown as left (the plan must use it otherwise);
    - pay_plan_expenses: all of them pay plan expenses (expenses are not simulated: assumed at least as large);
    - reallocate: all of them are reallocated to participants (the amount only; not added to balances).
    The start year has none available: the census carries no forfeiture account. The last year's
    forfeitures are carried past the horizon.
    net employer cost = gross cost - forfeitures used to reduce employer contributions.
-#}
with

events as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        event_type,
        amount
    from {{ ref('fct_yearly_events') }}
    where event_type in ('employer_match', 'employer_core', 'qnec', 'top_heavy_minimum', 'forfeiture')
),

headcount_plan as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year
    from {{ ref('fct_headcount_plan') }}
),

designs as (
    select
        scenario_id,
        plan_design_id,
        forfeiture_use
    from {{ ref('dim_plan_designs') }}
),

yearly as (
    select
        headcount_plan.scenario_id,
        headcount_plan.plan_design_id,
        headcount_plan.replication_id,
        headcount_plan.simulation_year,
        coalesce(sum(case when events.event_type = 'employer_match' then events.amount end), 0) as employer_match,
        coalesce(sum(case when events.event_type = 'employer_core' then events.amount end), 0) as employer_core,
        coalesce(sum(case when events.event_type = 'qnec' then events.amount end), 0) as qnec,
        coalesce(sum(case when events.event_type = 'top_heavy_minimum' then events.amount end), 0)
            as top_heavy_minimum,
        coalesce(sum(case when events.event_type = 'forfeiture' then events.amount end), 0) as forfeitures_arising
    from headcount_plan
    left join events
        on
            headcount_plan.scenario_id = events.scenario_id
            and headcount_plan.plan_design_id = events.plan_design_id
            and headcount_plan.replication_id = events.replication_id
            and headcount_plan.simulation_year = events.simulation_year
    group by
        headcount_plan.scenario_id, headcount_plan.plan_design_id, headcount_plan.replication_id,
        headcount_plan.simulation_year
),

available as (
    select
        yearly.*,
        yearly.employer_match + yearly.employer_core + yearly.qnec + yearly.top_heavy_minimum as gross_employer_cost,
        coalesce(prior_year.forfeitures_arising, 0) as forfeitures_available,
        designs.forfeiture_use
    from yearly
    inner join designs
        on
            yearly.scenario_id = designs.scenario_id
            and yearly.plan_design_id = designs.plan_design_id
    left join yearly as prior_year
        on
            yearly.scenario_id = prior_year.scenario_id
            and yearly.plan_design_id = prior_year.plan_design_id
            and yearly.replication_id = prior_year.replication_id
            and yearly.simulation_year = prior_year.simulation_year + 1
),

used as (
    select
        available.*,
        case
            when available.forfeiture_use = 'reduce_employer_contributions'
                then least(available.forfeitures_available, available.gross_employer_cost)
            else 0
        end as forfeitures_used_to_reduce,
        case
            when available.forfeiture_use = 'pay_plan_expenses' then available.forfeitures_available else 0
        end as forfeitures_paid_as_expenses,
        case
            when available.forfeiture_use = 'reallocate' then available.forfeitures_available else 0
        end as forfeitures_reallocated
    from available
),

final as (
    select
        used.scenario_id,
        used.plan_design_id,
        used.replication_id,
        used.simulation_year,
        used.forfeiture_use,
        cast(used.employer_match as decimal(18, 2)) as employer_match_amount,
        cast(used.employer_core as decimal(18, 2)) as employer_core_amount,
        cast(used.qnec as decimal(18, 2)) as qnec_amount,
        cast(used.top_heavy_minimum as decimal(18, 2)) as top_heavy_minimum_amount,
        cast(used.gross_employer_cost as decimal(18, 2)) as gross_employer_cost_amount,
        cast(used.forfeitures_arising as decimal(18, 2)) as forfeitures_arising_amount,
        cast(used.forfeitures_available as decimal(18, 2)) as forfeitures_available_amount,
        cast(used.forfeitures_used_to_reduce as decimal(18, 2)) as forfeitures_used_to_reduce_amount,
        cast(used.forfeitures_paid_as_expenses as decimal(18, 2)) as forfeitures_paid_as_expenses_amount,
        cast(used.forfeitures_reallocated as decimal(18, 2)) as forfeitures_reallocated_amount,
        cast(
            used.forfeitures_used_to_reduce + used.forfeitures_paid_as_expenses + used.forfeitures_reallocated
            as decimal(18, 2)
        ) as forfeitures_used_amount,
        cast(
            used.forfeitures_available - used.forfeitures_used_to_reduce - used.forfeitures_paid_as_expenses
            - used.forfeitures_reallocated as decimal(18, 2)
        ) as forfeitures_left_amount,
        cast(used.forfeitures_arising as decimal(18, 2)) as forfeitures_carried_amount,
        cast(used.gross_employer_cost - used.forfeitures_used_to_reduce as decimal(18, 2)) as net_employer_cost_amount
    from used
)

select * from final
