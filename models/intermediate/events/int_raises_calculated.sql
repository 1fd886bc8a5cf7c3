{#-
    Merit and COLA on the raise date: merit(level) + cola(year), applied to the salary
    in effect that day (after a promotion on or before it). Only people employed at the
    start of the year and still employed on the raise date get it.
-#}
{%- set raise_date = date_in_year(var('raise_month_day')) -%}
{#- merit_scale and cola_scale (default 1) multiply only when they differ from 1: the default SQL is unchanged -#}
{%- set merit_scale = var('merit_scale') -%}
{%- set cola_scale = var('cola_scale') -%}
{#- pay_growth_shift (default 0) is added only when set, or varied per replication (parameter_uncertainty, a
    sensitivity study) -#}
{%- set pay_growth_shifted = var('pay_growth_shift') != 0 or setting_varies('pay_growth_shift') -%}

with

start_of_year as (
    select
        replication_id,
        employee_id,
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

promotions as (
    select
        replication_id,
        employee_id,
        effective_date,
        compensation_after,
        job_level_after
    from {{ ref('int_promotions_drawn') }}
),

job_levels as (
    select
        job_level,
        merit_rate
    from {{ assumption('job_levels') }}
),

cola as (
    select
        coalesce(
            max(case when simulation_year = {{ sim_year() }} then cola_rate end),
            {{ var('default_cola_rate') }}
        ){% if cola_scale != 1 %} * {{ cola_scale }}{% endif %} as cola_rate
    from {{ assumption('cola_rates') }}
),

salary_on_raise_date as (
    select
        start_of_year.replication_id,
        start_of_year.employee_id,
        case
            when promotions.effective_date <= {{ raise_date }} then promotions.job_level_after
            else start_of_year.job_level
        end as job_level,
        case
            when promotions.effective_date <= {{ raise_date }} then promotions.compensation_after
            else start_of_year.annual_compensation
        end as annual_compensation
    from start_of_year
    left join terminations
        on
            start_of_year.replication_id = terminations.replication_id
            and start_of_year.employee_id = terminations.employee_id
    left join promotions
        on
            start_of_year.replication_id = promotions.replication_id
            and start_of_year.employee_id = promotions.employee_id
    where terminations.termination_date is null or terminations.termination_date > {{ raise_date }}
),

raises as (
    select
        salary_on_raise_date.replication_id,
        salary_on_raise_date.employee_id,
        salary_on_raise_date.job_level,
        salary_on_raise_date.annual_compensation as compensation_before,
        coalesce(job_levels.merit_rate, 0){% if merit_scale != 1 %} * {{ merit_scale }}{% endif %}
        + cola.cola_rate
        {%- if pay_growth_shifted %}
        + {{ uncertain_setting('pay_growth_shift', 'salary_on_raise_date.replication_id', type_double()) }}
        {%- endif %} as raise_rate
    from salary_on_raise_date
    left join job_levels
        on salary_on_raise_date.job_level = job_levels.job_level
    cross join cola
),

final as (
    select
        raises.replication_id,
        raises.employee_id,
        'raise' as event_type,
        {{ raise_date }} as effective_date,
        raises.compensation_before,
        cast(round(raises.compensation_before * (1 + raises.raise_rate), 2) as decimal(18, 2))
            as compensation_after,
        raises.job_level as job_level_before,
        raises.job_level as job_level_after,
        cast(
            round(raises.compensation_before * (1 + raises.raise_rate), 2) - raises.compensation_before
            as decimal(18, 2)
        ) as amount,
        'merit_cola' as reason,
        raises.raise_rate as probability
    from raises
    where raises.raise_rate <> 0
)

select * from final
