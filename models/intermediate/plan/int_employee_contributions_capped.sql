{#-
    Employee deferrals: deferral_rate x deferral compensation, capped at the 402(g)
    limit plus the catch-up for ages 50+ by Dec 31, or the super catch-up for ages
    60-63 in years that have one. The part above the 402(g) base limit is catch-up.
    Roth (IRC §402A): a participant elects Roth with the chance of their age band in the
    roth_elections assumption table (one draw per person, kept across years) and makes that
    band's roth_deferral_share of their deferrals as Roth. From var('roth_catch_up_start_year'),
    an employee whose prior-year wages from the employer exceeded the year's
    roth_catch_up_wage_threshold makes every catch-up as Roth (IRC §414(v)(7)); when the design
    offers no Roth, such an employee makes no catch-up. Pre-tax is what is not Roth.
-#}
{%- set roth_rule_applies = sim_year() >= var('roth_catch_up_start_year') | int -%}

with

windows as (
    select
        replication_id,
        employee_id,
        is_eligible,
        deferral_rate,
        prorated_compensation,
        plan_compensation,
        is_compensation_limited,
        deferral_compensation,
        core_compensation,
        age_at_year_end,
        service_years,
        annual_hours,
        is_employed_last_day
    from {{ ref('int_plan_compensation_windows') }}
),

limits as (
    select
        elective_deferral_limit,
        catch_up_limit,
        super_catch_up_limit,
        roth_catch_up_wage_threshold
    from {{ ref('int_irs_limits_resolved') }}
),

prior_year_wages as (
    select
        replication_id,
        employee_id,
        prior_year_wages
    from {{ ref('int_prior_year_wages_resolved') }}
),

plan_design as (
    select roth_available from {{ ref('int_plan_design_selected') }}
),

roth_elections as (
    select
        min_age,
        max_age,
        roth_election_rate,
        roth_deferral_share
    from {{ assumption('roth_elections') }}
),

roth_rule as (
    select
        windows.*,
        prior_year_wages.prior_year_wages,
        plan_design.roth_available,
        {{ 'true' if roth_rule_applies else 'false' }}
        and coalesce(prior_year_wages.prior_year_wages > limits.roth_catch_up_wage_threshold, false)
            as is_roth_catch_up_required,
        plan_design.roth_available
        and coalesce(
            {{ uniform_draw('windows.employee_id', 'roth_election', year='per_person',
                replication='windows.replication_id') }} < roth_elections.roth_election_rate, false
        ) as is_roth_elected,
        roth_elections.roth_deferral_share as band_roth_deferral_share
    from windows
    cross join limits
    cross join plan_design
    left join prior_year_wages
        on
            windows.replication_id = prior_year_wages.replication_id
            and windows.employee_id = prior_year_wages.employee_id
    left join roth_elections
        on
            windows.age_at_year_end >= roth_elections.min_age
            and windows.age_at_year_end < roth_elections.max_age
),

requested as (
    select
        roth_rule.*,
        cast(round(coalesce(roth_rule.deferral_rate, 0) * roth_rule.deferral_compensation, 2) as decimal(18, 2))
            as requested_contribution,
        limits.elective_deferral_limit,
        limits.elective_deferral_limit + case
            when roth_rule.is_roth_catch_up_required and not roth_rule.roth_available then 0
            when roth_rule.age_at_year_end between 60 and 63 and limits.super_catch_up_limit is not null
                then limits.super_catch_up_limit
            when roth_rule.age_at_year_end >= 50 then limits.catch_up_limit
            else 0
        end as deferral_limit
    from roth_rule
    cross join limits
),

capped as (
    select
        requested.*,
        cast(least(requested.requested_contribution, requested.deferral_limit) as decimal(18, 2))
            as employee_contribution,
        cast(greatest(
            least(requested.requested_contribution, requested.deferral_limit) - requested.elective_deferral_limit, 0
        ) as decimal(18, 2)) as catch_up_contribution,
        requested.requested_contribution > requested.deferral_limit as is_deferral_limited,
        cast(case when requested.is_roth_elected then requested.band_roth_deferral_share else 0 end as decimal(10, 6))
            as elected_roth_share
    from requested
),

roth_split as (
    select
        capped.*,
        cast(case
            when capped.is_roth_catch_up_required then capped.catch_up_contribution
            else round(capped.catch_up_contribution * capped.elected_roth_share, 2)
        end as decimal(18, 2)) as roth_catch_up_contribution,
        cast(
            round((capped.employee_contribution - capped.catch_up_contribution) * capped.elected_roth_share, 2)
            as decimal(18, 2)
        ) as roth_base_contribution
    from capped
),

final as (
    select
        roth_split.*,
        cast(roth_split.roth_base_contribution + roth_split.roth_catch_up_contribution as decimal(18, 2))
            as roth_contribution,
        cast(
            roth_split.employee_contribution - roth_split.roth_base_contribution
            - roth_split.roth_catch_up_contribution as decimal(18, 2)
        ) as pre_tax_contribution
    from roth_split
)

select * from final
