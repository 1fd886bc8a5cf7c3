{#-
    A top_heavy_minimum event on Dec 31 for every non-key participant given the top-heavy minimum contribution of a
    top-heavy year (fct_top_heavy_minimums, through the balances it joins); reason names the minimum rate, e.g.
    'minimum rate 0.0300'. Only people active on Dec 31 receive it.
-#}
with

balances as (
    select
        replication_id,
        employee_id,
        top_heavy_minimum,
        top_heavy_minimum_rate
    from {{ ref('int_plan_balances_rolled') }}
    where top_heavy_minimum > 0
),

final as (
    select
        replication_id,
        employee_id,
        'top_heavy_minimum' as event_type,
        {{ year_end_date() }} as effective_date,
        top_heavy_minimum as amount,
        'minimum rate ' || cast(top_heavy_minimum_rate as {{ dbt.type_string() }}) as reason
    from balances
)

select * from final
