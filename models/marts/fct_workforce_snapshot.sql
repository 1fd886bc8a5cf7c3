{#-
    One row per (scenario_id, plan_design_id, simulation_year, employee_id) for everyone
    employed at any time in the year: the Jan 1 workforce and the year's hires, with the
    year's events folded in. Prorated pay sums salary x days of each segment between
    salary changes, from hire (or Jan 1) to termination (or Dec 31), over days in year.
-#}
{{ config(
    pre_hook="{{ year_scoped_delete() }}",
    contract={'enforced': true}
) }}

with

start_of_year as (
    select
        employee_id,
        employee_source,
        birth_date,
        hire_date,
        job_level,
        annual_compensation,
        hours_per_week,
        deferral_rate,
        enrollment_date
    from {{ ref('int_workforce_start_of_year') }}
),

events as (
    select
        employee_id,
        event_type,
        effective_date,
        event_sequence,
        compensation_after,
        job_level_after,
        reason,
        birth_date
    from {{ ref('fct_yearly_events') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        and simulation_year = {{ sim_year() }}
),

hires as (
    select
        events.employee_id,
        'hire' as employee_source,
        events.birth_date,
        events.effective_date as hire_date,
        events.job_level_after as job_level,
        events.compensation_after as annual_compensation,
        cast(40 as {{ type_double() }}) as hours_per_week,
        cast(null as {{ type_double() }}) as deferral_rate,
        cast(null as date) as enrollment_date
    from events
    where events.event_type = 'hire'
),

population as (
    select
        start_of_year.*,
        false as is_new_hire
    from start_of_year
    union all
    select
        hires.*,
        true as is_new_hire
    from hires
),

terminations as (
    select
        events.employee_id,
        events.effective_date as termination_date,
        events.reason as termination_reason
    from events
    where events.event_type = 'termination'
),

employment_spans as (
    select
        population.employee_id,
        greatest(population.hire_date, {{ year_start_date() }}) as span_start_date,
        coalesce(terminations.termination_date, {{ year_end_date() }}) as span_end_date
    from population
    left join terminations
        on population.employee_id = terminations.employee_id
),

salary_changes as (
    select
        start_of_year.employee_id,
        {{ year_start_date() }} as effective_date,
        0 as event_sequence,
        start_of_year.annual_compensation,
        start_of_year.job_level
    from start_of_year
    union all
    select
        events.employee_id,
        events.effective_date,
        events.event_sequence,
        events.compensation_after as annual_compensation,
        events.job_level_after as job_level
    from events
    where events.compensation_after is not null
),

salary_segments as (
    select
        salary_changes.*,
        row_number() over (
            partition by salary_changes.employee_id
            order by salary_changes.effective_date desc nulls last, salary_changes.event_sequence desc nulls last
        ) as recency_rank,
        lead(salary_changes.effective_date) over (
            partition by salary_changes.employee_id
            order by salary_changes.effective_date asc nulls last, salary_changes.event_sequence asc nulls last
        ) as next_change_date
    from salary_changes
),

segment_days as (
    select
        salary_segments.employee_id,
        salary_segments.annual_compensation,
        salary_segments.job_level,
        salary_segments.recency_rank,
        greatest(0, {{ dbt.datediff(
            'greatest(salary_segments.effective_date, employment_spans.span_start_date)',
            'least(coalesce(salary_segments.next_change_date, ' ~ add_days('employment_spans.span_end_date', 1)
                ~ '), ' ~ add_days('employment_spans.span_end_date', 1) ~ ')',
            'day') }}) as paid_days
    from salary_segments
    inner join employment_spans
        on salary_segments.employee_id = employment_spans.employee_id
),

compensation as (
    select
        segment_days.employee_id,
        max(case when segment_days.recency_rank = 1 then segment_days.annual_compensation end)
            as year_end_compensation,
        max(case when segment_days.recency_rank = 1 then segment_days.job_level end) as year_end_job_level,
        round(
            sum(segment_days.annual_compensation * segment_days.paid_days)
            / {{ days_in_year() }}, 2
        ) as prorated_compensation
    from segment_days
    group by segment_days.employee_id
),

final as (
    select
        cast('{{ var("scenario_id") }}' as {{ dbt.type_string() }}) as scenario_id,
        cast('{{ var("plan_design_id") }}' as {{ dbt.type_string() }}) as plan_design_id,
        cast({{ sim_year() }} as integer) as simulation_year,
        cast(population.employee_id as {{ dbt.type_string() }}) as employee_id,
        cast(population.employee_source as {{ dbt.type_string() }}) as employee_source,
        cast(population.is_new_hire as boolean) as is_new_hire,
        cast(
            case when terminations.termination_date is null then 'active' else 'terminated' end
            as {{ dbt.type_string() }}
        ) as employment_status,
        cast(population.birth_date as date) as birth_date,
        cast(population.hire_date as date) as hire_date,
        cast(terminations.termination_date as date) as termination_date,
        cast(terminations.termination_reason as {{ dbt.type_string() }}) as termination_reason,
        cast(round({{ years_between('population.birth_date',
            'coalesce(terminations.termination_date, ' ~ year_end_date() ~ ')') }}, 2) as decimal(6, 2)) as age,
        cast(round({{ years_between('population.hire_date',
            'coalesce(terminations.termination_date, ' ~ year_end_date() ~ ')') }}, 2) as decimal(6, 2))
            as tenure_years,
        cast(compensation.year_end_job_level as integer) as job_level,
        cast(compensation.year_end_compensation as decimal(18, 2)) as annual_compensation,
        cast(compensation.prorated_compensation as decimal(18, 2)) as prorated_compensation,
        cast(population.hours_per_week as {{ type_double() }}) as hours_per_week,
        cast(population.deferral_rate as {{ type_double() }}) as deferral_rate,
        cast(population.enrollment_date as date) as enrollment_date,
        cast('{{ run_stamp_id() }}' as {{ dbt.type_string() }}) as run_id,
        cast({{ dbt.current_timestamp() }} as timestamp) as created_at
    from population
    left join terminations
        on population.employee_id = terminations.employee_id
    left join compensation
        on population.employee_id = compensation.employee_id
)

select * from final
