{#-
    The match tiers of the plan design's match formula: from the var plan_design
    (match_tiers) when present, else the formula's rows of the plan_match_tiers seed.
    No rows when the plan has no match (match_formula_id = 'none').
-#}
{%- set design = plan_design_var() -%}
{#- referenced even when not read: see plan_design_var() -#}
{%- set seed_rows = ref('plan_match_tiers') -%}

with

plan_design as (
    select match_formula_id from {{ ref('int_plan_design_selected') }}
),

match_tiers as (
    {% if design is none -%}
        select
            match_formula_id,
            min_service_years,
            max_service_years,
            tier_number,
            deferral_from,
            deferral_to,
            match_rate
        from {{ seed_rows }}
    {%- else -%}
        {{ rows_as_relation(design['match_tiers'], plan_seed_column_types('plan_match_tiers'),
            constants={'match_formula_id': design['match_formula_id']}, label='var plan_design.match_tiers') }}
    {%- endif %}
),

final as (
    select
        match_tiers.match_formula_id,
        match_tiers.min_service_years,
        match_tiers.max_service_years,
        match_tiers.tier_number,
        match_tiers.deferral_from,
        match_tiers.deferral_to,
        match_tiers.match_rate
    from match_tiers
    inner join plan_design
        on match_tiers.match_formula_id = plan_design.match_formula_id
)

select * from final
