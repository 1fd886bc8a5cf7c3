{#-
    The design's match-maximizing rate: the smallest deferral rate that earns the full match, after
    the optional match_cap_rate, in every service band of the match tiers (the largest of the bands'
    rates), to 6 decimals. In a band, the full match is the sum of match_rate x the tier's width
    (capped at match_cap_rate); walking up the tiers that pay a match, the rate is reached inside the
    tier where the cumulated match first reaches it. Null when the design matches nothing. Beside it,
    the census plan's rate (the var census_match_maximizing_rate: computed by the CLI from the
    scenario's census_plan_design by the same rule) and whether the two differ, which decides the
    first-year move-up (int_match_responses_drawn). One row.
-#}
with

plan_design as (
    select match_cap_rate from {{ ref('int_plan_design_selected') }}
),

match_tiers as (
    select
        min_service_years,
        deferral_from,
        deferral_to,
        match_rate
    from {{ ref('int_plan_match_tiers_selected') }}
    where match_rate > 0
),

cumulated as (
    select
        match_tiers.min_service_years,
        match_tiers.deferral_from,
        match_tiers.match_rate,
        cast(match_tiers.match_rate * (match_tiers.deferral_to - match_tiers.deferral_from) as {{ type_double() }})
            as tier_match,
        cast(sum(match_tiers.match_rate * (match_tiers.deferral_to - match_tiers.deferral_from)) over (
            partition by match_tiers.min_service_years
            order by match_tiers.deferral_from asc nulls last
            rows between unbounded preceding and current row
        ) as {{ type_double() }}) as match_through_tier,
        cast(sum(match_tiers.match_rate * (match_tiers.deferral_to - match_tiers.deferral_from)) over (
            partition by match_tiers.min_service_years
        ) as {{ type_double() }}) as formula_full_match
    from match_tiers
),

targets as (
    select
        cumulated.*,
        least(cumulated.formula_full_match, coalesce(plan_design.match_cap_rate, cumulated.formula_full_match))
            as full_match
    from cumulated
    cross join plan_design
),

band_rates as (
    select
        targets.min_service_years,
        min(
            targets.deferral_from
            + (targets.full_match - (targets.match_through_tier - targets.tier_match)) / targets.match_rate
        ) as band_rate
    from targets
    where
        targets.full_match > 0
        -- the one tier where the cumulated match reaches the full match
        and targets.match_through_tier >= targets.full_match - 1e-12
        and targets.match_through_tier - targets.tier_match < targets.full_match - 1e-12
    group by targets.min_service_years
),

design_rate as (
    select max(band_rates.band_rate) as match_maximizing_rate
    from band_rates
),

rates as (
    select
        cast(round(design_rate.match_maximizing_rate, 6) as decimal(10, 6)) as match_maximizing_rate,
        cast(
            {{ 'null' if var('census_match_maximizing_rate') is none else var('census_match_maximizing_rate') }}
            as decimal(10, 6)
        ) as census_match_maximizing_rate,
        '{{ var("census_plan_design_id") }}' as census_plan_design_id
    from design_rate
),

final as (
    select
        rates.match_maximizing_rate,
        rates.census_match_maximizing_rate,
        rates.census_plan_design_id,
        rates.match_maximizing_rate is not null
        and (
            rates.census_match_maximizing_rate is null
            or rates.match_maximizing_rate <> rates.census_match_maximizing_rate
        ) as is_match_rate_changed
    from rates
)

select * from final
