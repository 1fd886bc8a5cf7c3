{#-
    The year's new hires, as many as int_headcount_plan needs. Each gets a level from
    the level mix, an age from the age mix, pay inside the level's band, and a hire
    date spread over Jan 1 - Dec 30 (so that a new-hire termination can still fall
    after it within the year). Ids are NH_<year>_<sequence>, numbered per replication.
    Pay is min + u x (max - min) of the band; with new_hire_pay_range [low, high] other than
    [0, 1], u is first mapped to low + u x (high - low) (the default keeps the plain formula,
    so its arithmetic is exactly unchanged).
-#}
{%- set year = sim_year() -%}
{%- set pay_range = new_hire_pay_range() -%}
{%- if pay_range == [0.0, 1.0] -%}
    {%- set pay_share = 'attributes.pay_draw' -%}
{%- else -%}
    {%- set pay_share = '(' ~ pay_range[0] ~ ' + attributes.pay_draw * ' ~ (pay_range[1] - pay_range[0]) ~ ')' -%}
{%- endif -%}

with

headcount_plan as (
    select
        replication_id,
        hires
    from {{ ref('int_headcount_plan') }}
),

job_levels as (
    select
        job_level,
        {{ pay_band('min_compensation') }} as min_compensation,
        {{ pay_band('max_compensation') }} as max_compensation,
        new_hire_weight
    from {{ assumption('job_levels') }}
),

age_mix as (
    select
        age,
        weight
    from {{ assumption('new_hire_age_mix') }}
),

level_cumulative as (
    select
        job_levels.*,
        {{ cumulative_share_bounds('job_levels.new_hire_weight', 'job_levels.job_level') }}
    from job_levels
    where job_levels.new_hire_weight > 0
),

age_cumulative as (
    select
        age_mix.age,
        {{ cumulative_share_bounds('age_mix.weight', 'age_mix.age') }}
    from age_mix
    where age_mix.weight > 0
),

sequence_numbers as (
    select
        headcount_plan.replication_id,
        {{ row_series('headcount_plan.hires', 'hire_sequence') }}
    from headcount_plan
    where headcount_plan.hires > 0
),

new_ids as (
    select
        sequence_numbers.replication_id,
        sequence_numbers.hire_sequence,
        'NH_{{ year }}_' || lpad(cast(sequence_numbers.hire_sequence as {{ dbt.type_string() }}), 6, '0')
            as employee_id
    from sequence_numbers
),

draws as (
    select
        new_ids.*,
        {{ uniform_draw('new_ids.employee_id', 'hire_level', replication='new_ids.replication_id') }} as level_draw,
        {{ uniform_draw('new_ids.employee_id', 'hire_age', replication='new_ids.replication_id') }} as age_draw,
        {{ uniform_draw('new_ids.employee_id', 'hire_pay', replication='new_ids.replication_id') }} as pay_draw,
        {{ uniform_draw('new_ids.employee_id', 'hire_date', replication='new_ids.replication_id') }} as date_draw,
        {{ uniform_draw('new_ids.employee_id', 'hire_birthday', replication='new_ids.replication_id') }} as birthday_draw
    from new_ids
),

attributes as (
    select
        draws.replication_id,
        draws.employee_id,
        draws.pay_draw,
        level_cumulative.job_level,
        level_cumulative.min_compensation,
        level_cumulative.max_compensation,
        age_cumulative.age,
        {{ add_days(year_start_date(), 'cast(floor(draws.date_draw * (' ~ days_in_year() ~ ' - 1)) as integer)') }}
            as hire_date,
        cast(floor(draws.birthday_draw * 365) as integer) as birthday_offset_days
    from draws
    inner join level_cumulative
        on
            draws.level_draw >= level_cumulative.lower_bound
            and draws.level_draw < level_cumulative.upper_bound
    inner join age_cumulative
        on
            draws.age_draw >= age_cumulative.lower_bound
            and draws.age_draw < age_cumulative.upper_bound
),

final as (
    select
        attributes.replication_id,
        attributes.employee_id,
        'hire' as event_type,
        attributes.hire_date as effective_date,
        cast(round(
            attributes.min_compensation
            + {{ pay_share }} * (attributes.max_compensation - attributes.min_compensation), 2
        )
        as decimal(18, 2)) as compensation_after,
        attributes.job_level as job_level_after,
        'growth_target' as reason,
        attributes.pay_draw as draw,
        {{ add_days('attributes.hire_date',
            '-(cast(floor(attributes.age * 365.25) as integer) + attributes.birthday_offset_days)') }}
            as birth_date
    from attributes
)

select * from final
