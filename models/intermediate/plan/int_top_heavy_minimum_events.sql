{#-
    A top_heavy_minimum event on Dec 31 for every non-key participant owed the top-heavy minimum contribution of a
    top-heavy year (fct_top_heavy_minimums); reason names the minimum rate, e.g. 'minimum rate 0.0300'.
-#}
with

minimums as (
    select
        replication_id,
        employee_id,
        minimum_contribution_rate,
        top_heavy_minimum_amount
    from {{ ref('fct_top_heavy_minimums') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        and simulation_year = {{ sim_year() }}
        and {{ replication_filter() }}
),

final as (
    select
        replication_id,
        employee_id,
        'top_heavy_minimum' as event_type,
        {{ year_end_date() }} as effective_date,
        top_heavy_minimum_amount as amount,
        'minimum rate ' || cast(minimum_contribution_rate as {{ dbt.type_string() }}) as reason
    from minimums
)

select * from final
