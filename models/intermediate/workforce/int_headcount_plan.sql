{#-
    The year's headcount arithmetic: exactly round(N x total_termination_rate)
    experienced terminations, a year-end target of round(N x (1 + growth)), the hires
    that target needs after new-hire attrition, and a reduction in force when growth
    is negative beyond attrition. One row per replication: each replication's own
    start headcount (a replication with nobody left still gets its row). The rates are
    per replication: under parameter_uncertainty each replication draws its own (macro
    uncertain_setting); otherwise every replication has the vars.
-#}
with

start_of_year as (
    select
        replication_id,
        employee_id
    from {{ ref('int_workforce_start_of_year') }}
),

replications as (
    {{ replication_ids() }}
),

rates as (
    select
        replications.replication_id,
        {{ uncertain_setting('total_termination_rate', 'replications.replication_id', 'decimal(12, 8)') }}
            as total_termination_rate,
        {{ uncertain_setting('target_growth_rate', 'replications.replication_id', 'decimal(12, 8)') }}
            as target_growth_rate,
        {{ uncertain_setting('new_hire_termination_rate', 'replications.replication_id', 'decimal(12, 8)') }}
            as new_hire_termination_rate
    from replications
),

headcount as (
    select
        replications.replication_id,
        count(start_of_year.employee_id) as start_headcount
    from replications
    left join start_of_year
        on replications.replication_id = start_of_year.replication_id
    group by replications.replication_id
),

targets as (
    select
        headcount.replication_id,
        headcount.start_headcount,
        rates.total_termination_rate,
        rates.target_growth_rate,
        rates.new_hire_termination_rate,
        {{ round_half_up('headcount.start_headcount * rates.total_termination_rate') }}
            as experienced_terminations,
        {{ round_half_up('headcount.start_headcount * (1 + rates.target_growth_rate)') }}
            as target_headcount
    from headcount
    inner join rates
        on headcount.replication_id = rates.replication_id
),

net_change as (
    select
        targets.*,
        targets.target_headcount - (targets.start_headcount - targets.experienced_terminations)
            as net_hires_needed
    from targets
),

hires as (
    select
        net_change.*,
        case
            when net_change.net_hires_needed > 0
                then cast(ceil(round(
                    cast(net_change.net_hires_needed as {{ type_double() }})
                    / cast(1 - net_change.new_hire_termination_rate as {{ type_double() }}), 6
                )) as bigint)
            else 0
        end as hires,
        case when net_change.net_hires_needed < 0 then -net_change.net_hires_needed else 0 end
            as reduction_in_force_terminations
    from net_change
),

final as (
    select
        '{{ var("scenario_id") }}' as scenario_id,
        '{{ var("plan_design_id") }}' as plan_design_id,
        {{ sim_year() }} as simulation_year,
        cast(hires.replication_id as integer) as replication_id,
        hires.start_headcount,
        hires.total_termination_rate,
        hires.target_growth_rate,
        hires.new_hire_termination_rate,
        hires.experienced_terminations,
        hires.reduction_in_force_terminations,
        hires.target_headcount,
        hires.net_hires_needed,
        hires.hires,
        case when hires.hires > 0 then hires.hires - hires.net_hires_needed else 0 end
            as new_hire_terminations
    from hires
)

select * from final
