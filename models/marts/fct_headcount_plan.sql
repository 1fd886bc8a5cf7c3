{#- The headcount arithmetic of every simulated year, kept per (scenario, plan design, replication, year) for audit and tests. -#}
{{ config(
    pre_hook="{{ year_scoped_delete() }}",
    contract={'enforced': true}
) }}

with

headcount_plan as (
    select * from {{ ref('int_headcount_plan') }}
),

final as (
    select
        cast(headcount_plan.scenario_id as {{ dbt.type_string() }}) as scenario_id,
        cast(headcount_plan.plan_design_id as {{ dbt.type_string() }}) as plan_design_id,
        cast(headcount_plan.replication_id as integer) as replication_id,
        cast(headcount_plan.simulation_year as integer) as simulation_year,
        cast(headcount_plan.start_headcount as bigint) as start_headcount,
        cast(headcount_plan.total_termination_rate as decimal(12, 8)) as total_termination_rate,
        cast(headcount_plan.target_growth_rate as decimal(12, 8)) as target_growth_rate,
        cast(headcount_plan.new_hire_termination_rate as decimal(12, 8)) as new_hire_termination_rate,
        cast(headcount_plan.experienced_terminations as bigint) as experienced_terminations,
        cast(headcount_plan.reduction_in_force_terminations as bigint) as reduction_in_force_terminations,
        cast(headcount_plan.target_headcount as bigint) as target_headcount,
        cast(headcount_plan.net_hires_needed as bigint) as net_hires_needed,
        cast(headcount_plan.hires as bigint) as hires,
        cast(headcount_plan.new_hire_terminations as bigint) as new_hire_terminations,
        cast('{{ run_stamp_id() }}' as {{ dbt.type_string() }}) as run_id,
        cast({{ dbt.current_timestamp() }} as timestamp) as created_at
    from headcount_plan
)

select * from final
