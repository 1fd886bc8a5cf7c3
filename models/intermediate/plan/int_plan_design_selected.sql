{#- The plan design this run simulates: the row of the plan_designs seed named by var('plan_design_id'). -#}
with

plan_designs as (
    select * from {{ ref('plan_designs') }}
),

final as (
    select plan_designs.*
    from plan_designs
    where plan_designs.plan_design_id = '{{ var("plan_design_id") }}'
)

select * from final
