{#-
    Experienced terminations, and any reduction in force. Each employee's hazard is
    base(level) x age multiplier x tenure multiplier, rescaled so that the mean hazard is
    total_termination_rate. Exactly the planned number leave: hazard-weighted sampling
    without replacement, by an exponential clock -ln(u) / hazard (the k smallest leave).
    A reduction in force takes the next people in the same order. Everything is per
    replication: its own mean hazard, its own quota, its own ranking.
-#}
with

start_of_year as (
    select
        replication_id,
        employee_id,
        job_level,
        age_years,
        tenure_years
    from {{ ref('int_workforce_start_of_year') }}
),

job_levels as (
    select
        job_level,
        termination_base_rate
    from {{ assumption('job_levels') }}
),

age_bands as (
    select
        min_age,
        max_age,
        termination_multiplier
    from {{ assumption('hazard_age_bands') }}
),

tenure_bands as (
    select
        min_tenure,
        max_tenure,
        termination_multiplier
    from {{ assumption('hazard_tenure_bands') }}
),

headcount_plan as (
    select
        replication_id,
        total_termination_rate,
        experienced_terminations,
        reduction_in_force_terminations
    from {{ ref('int_headcount_plan') }}
),

raw_hazards as (
    select
        start_of_year.replication_id,
        start_of_year.employee_id,
        coalesce(job_levels.termination_base_rate, 0)
        * coalesce(age_bands.termination_multiplier, 1)
        * coalesce(tenure_bands.termination_multiplier, 1) as raw_hazard
    from start_of_year
    left join job_levels
        on start_of_year.job_level = job_levels.job_level
    left join age_bands
        on
            start_of_year.age_years >= age_bands.min_age
            and start_of_year.age_years < age_bands.max_age
    left join tenure_bands
        on
            start_of_year.tenure_years >= tenure_bands.min_tenure
            and start_of_year.tenure_years < tenure_bands.max_tenure
),

rescaled_hazards as (
    select
        raw_hazards.replication_id,
        raw_hazards.employee_id,
        raw_hazards.raw_hazard
        * cast(headcount_plan.total_termination_rate as {{ type_double() }})
        / nullif(avg(raw_hazards.raw_hazard) over (partition by raw_hazards.replication_id), 0) as hazard
    from raw_hazards
    inner join headcount_plan
        on raw_hazards.replication_id = headcount_plan.replication_id
),

exit_clocks as (
    select
        rescaled_hazards.replication_id,
        rescaled_hazards.employee_id,
        rescaled_hazards.hazard,
        {{ uniform_draw('rescaled_hazards.employee_id', 'termination_clock',
            replication='rescaled_hazards.replication_id') }} as draw,
        {{ uniform_draw('rescaled_hazards.employee_id', 'termination_date',
            replication='rescaled_hazards.replication_id') }} as date_draw
    from rescaled_hazards
),

ranked as (
    select
        exit_clocks.*,
        row_number() over (
            partition by exit_clocks.replication_id
            order by
                case when exit_clocks.hazard > 0 then -ln(exit_clocks.draw) / exit_clocks.hazard end
                asc nulls last,
                exit_clocks.employee_id asc nulls last
        ) as exit_rank
    from exit_clocks
),

selected as (
    select
        ranked.*,
        case
            when ranked.exit_rank <= headcount_plan.experienced_terminations then 'experienced_hazard'
            else 'reduction_in_force'
        end as reason
    from ranked
    inner join headcount_plan
        on ranked.replication_id = headcount_plan.replication_id
    where
        ranked.exit_rank
        <= headcount_plan.experienced_terminations + headcount_plan.reduction_in_force_terminations
),

final as (
    select
        selected.replication_id,
        selected.employee_id,
        'termination' as event_type,
        {{ add_days(year_start_date(), 'cast(floor(selected.date_draw * ' ~ days_in_year() ~ ') as integer)') }}
            as effective_date,
        selected.reason,
        selected.hazard as probability,
        selected.draw
    from selected
)

select * from final
