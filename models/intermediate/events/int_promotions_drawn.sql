{#-
    Promotions on the promotion date, as a transition matrix (the promotion_transitions
    assumption table). Eligible: still employed that day, at least one year of service, and
    a level with at least one outgoing transition. Each target k of the level has the
    probability base_rate(k) x age multiplier x tenure multiplier; one draw per employee
    walks the targets in to_level order and the employee moves to the first target whose
    cumulative probability exceeds the draw (no move when the draw is above their sum). A
    move up raises pay by promotion_increase; a move down (a demotion) keeps the pay. Either
    way the pay is then clamped into the new level's band.
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
        {{ pay_band('min_compensation') }} as min_compensation,
        {{ pay_band('max_compensation') }} as max_compensation
    from {{ assumption('job_levels') }}
),

promotion_transitions as (
    select
        from_level,
        to_level,
        base_rate
    from {{ assumption('promotion_transitions') }}
),

age_bands as (
    select
        min_age,
        max_age,
        promotion_multiplier
    from {{ assumption('hazard_age_bands') }}
),

tenure_bands as (
    select
        min_tenure,
        max_tenure,
        promotion_multiplier
    from {{ assumption('hazard_tenure_bands') }}
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
        and start_of_year.job_level in (select promotion_transitions.from_level from promotion_transitions)
),

probabilities as (
    select
        eligible.replication_id,
        eligible.employee_id,
        eligible.job_level,
        eligible.annual_compensation,
        promotion_transitions.to_level,
        coalesce(promotion_transitions.base_rate, 0)
        * coalesce(age_bands.promotion_multiplier, 1)
        * coalesce(tenure_bands.promotion_multiplier, 1) as probability,
        {{ uniform_draw('eligible.employee_id', 'promotion', replication='eligible.replication_id') }} as draw
    from eligible
    inner join promotion_transitions
        on eligible.job_level = promotion_transitions.from_level
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

cumulative as (
    select
        probabilities.*,
        coalesce(sum(probabilities.probability) over (
            partition by probabilities.replication_id, probabilities.employee_id
            order by probabilities.to_level asc nulls last
            rows between unbounded preceding and 1 preceding
        ), 0) as cumulative_before,
        sum(probabilities.probability) over (
            partition by probabilities.replication_id, probabilities.employee_id
            order by probabilities.to_level asc nulls last
            rows between unbounded preceding and current row
        ) as cumulative_through
    from probabilities
),

promoted as (
    select
        cumulative.replication_id,
        cumulative.employee_id,
        cumulative.job_level,
        cumulative.annual_compensation,
        cumulative.probability,
        cumulative.draw,
        cumulative.to_level as new_job_level
    from cumulative
    where
        cumulative.draw < cumulative.cumulative_through
        and cumulative.draw >= cumulative.cumulative_before
),

final as (
    select
        promoted.replication_id,
        promoted.employee_id,
        'promotion' as event_type,
        {{ promotion_date }} as effective_date,
        promoted.annual_compensation as compensation_before,
        cast(least(greatest(
            case
                when promoted.new_job_level > promoted.job_level
                    then round(promoted.annual_compensation * (1 + {{ uncertain_setting('promotion_increase', 'promoted.replication_id') }}), 2)
                else promoted.annual_compensation
            end,
            new_level.min_compensation
        ), new_level.max_compensation) as decimal(18, 2)) as compensation_after,
        promoted.job_level as job_level_before,
        promoted.new_job_level as job_level_after,
        case when promoted.new_job_level > promoted.job_level then 'promotion_draw' else 'demotion_draw' end as reason,
        promoted.probability,
        promoted.draw
    from promoted
    inner join job_levels as new_level
        on promoted.new_job_level = new_level.job_level
)

select * from final
