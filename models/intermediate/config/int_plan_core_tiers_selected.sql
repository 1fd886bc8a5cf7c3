{#-
    The core (nonelective) rate by service band of the plan design's core formula: from
    the var plan_design (core_tiers) when present, else the formula's rows of the
    plan_core_tiers seed. No rows when the plan has no core (core_formula_id = 'none').
-#}
{%- set design = plan_design_var() -%}
{#- referenced even when not read: see plan_design_var() -#}
{%- set seed_rows = ref('plan_core_tiers') -%}

with

plan_design as (
    select core_formula_id from {{ ref('int_plan_design_selected') }}
),

core_tiers as (
    {% if design is none -%}
        select
            core_formula_id,
            min_service_years,
            max_service_years,
            core_rate
        from {{ seed_rows }}
    {%- else -%}
        {{ rows_as_relation(design['core_tiers'], plan_seed_column_types('plan_core_tiers'),
            constants={'core_formula_id': design['core_formula_id']}, label='var plan_design.core_tiers') }}
    {%- endif %}
),

final as (
    select
        core_tiers.core_formula_id,
        core_tiers.min_service_years,
        core_tiers.max_service_years,
        core_tiers.core_rate
    from core_tiers
    inner join plan_design
        on core_tiers.core_formula_id = plan_design.core_formula_id
)

select * from final
