{#-
    Promotions on the promotion date. Eligible: still employed that day, at least one
    year of service, not at the top level. Promoted when the draw falls below
    base(level) x age multiplier x tenure multiplier. The raise is promotion_increase,
    clamped into the new level's band.
-#}
{%- set promotion_date = date_in_year(var('promotion_month_day')) -%}

with

start_of_year as (
    select
        replication_id,
        employee_id,
        birth_date,
        hire_date,
        job_level,
        annual_compensation
    from {{ ref('int_workforce_start_of_year') }}
),

terminations as (
    select
        replication_id,
        employee_id,
        effective_date as termination_date
    from {{ ref('int_terminations_sampled') }}
),

job_levels as (
    select
        job_level,
        min_compensation,
        max_compensation,
        promotion_base_rate
    from {{ ref('job_levels') }}
),

age_bands as (
    select
        min_age,
        max_age,
        promotion_multiplier
    from {{ ref('hazard_age_bands') }}
),

tenure_bands as (
    select
        min_tenure,
        max_tenure,
        promotion_multiplier
    from {{ ref('hazard_tenure_bands') }}
),

eligible as (
    select
        start_of_year.replication_id,
        start_of_year.employee_id,
        start_of_year.job_level,
        start_of_year.annual_compensation,
        {{ years_between('start_of_year.birth_date', promotion_date) }} as age_years,
        {{ years_between('start_of_year.hire_date', promotion_date) }} as tenure_years
    from start_of_year
    left join terminations
        on
            start_of_year.replication_id = terminations.replication_id
            and start_of_year.employee_id = terminations.employee_id
    where
        (terminations.termination_date is null or terminations.termination_date > {{ promotion_date }})
        and start_of_year.job_level < (select max(job_levels.job_level) from job_levels)
),

probabilities as (
    select
        eligible.replication_id,
        eligible.employee_id,
        eligible.job_level,
        eligible.annual_compensation,
        coalesce(job_levels.promotion_base_rate, 0)
        * coalesce(age_bands.promotion_multiplier, 1)
        * coalesce(tenure_bands.promotion_multiplier, 1) as probability,
        {{ uniform_draw('eligible.employee_id', 'promotion', replication='eligible.replication_id') }} as draw
    from eligible
    left join job_levels
        on eligible.job_level = job_levels.job_level
    left join age_bands
        on
            eligible.age_years >= age_bands.min_age
            and eligible.age_years < age_bands.max_age
    left join tenure_bands
        on
            eligible.tenure_years >= tenure_bands.min_tenure
            and eligible.tenure_years < tenure_bands.max_tenure
    where eligible.tenure_years >= 1
),

promoted as (
    select
        probabilities.*,
        probabilities.job_level + 1 as new_job_level
    from probabilities
    where probabilities.draw < probabilities.probability
),

final as (
    select
        promoted.replication_id,
        promoted.employee_id,
        'promotion' as event_type,
        {{ promotion_date }} as effective_date,
        promoted.annual_compensation as compensation_before,
        cast(least(greatest(
            round(promoted.annual_compensation * (1 + {{ var('promotion_increase') }}), 2),
            new_level.min_compensation
        ), new_level.max_compensation) as decimal(18, 2)) as compensation_after,
        promoted.job_level as job_level_before,
        promoted.new_job_level as job_level_after,
        'promotion_draw' as reason,
        promoted.probability,
        promoted.draw
    from promoted
    inner join job_levels as new_level
        on promoted.new_job_level = new_level.job_level
)

select * from final
