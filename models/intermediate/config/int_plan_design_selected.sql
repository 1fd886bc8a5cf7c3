{#-
    The plan design this run simulates: the var plan_design (the resolved design the CLI
    passes) when present, else the row of the plan_designs seed named by
    var('plan_design_id'). Same columns and types either way.
-#}
{%- set design = plan_design_var() -%}
{#- referenced even when not read: see plan_design_var() -#}
{%- set seed_rows = ref('plan_designs') -%}
{%- set design_columns = plan_seed_column_types('plan_designs') -%}

with

plan_designs as (
    {% if design is none -%}
        select * from {{ seed_rows }}
    {%- else -%}
        {{ rows_as_relation([design], design_columns, ignore_keys=plan_design_list_keys(), label='var plan_design') }}
    {%- endif %}
),

final as (
    select plan_designs.*
    from plan_designs
    where plan_designs.plan_design_id = '{{ var("plan_design_id") }}'
)

select * from final
