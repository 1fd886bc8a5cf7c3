{#-
    Each employee's pay in the simulated year as segments of constant salary, clipped
    to the employment span: [segment_start_date, segment_end_date], both inclusive.
    A segment starts on Jan 1 (or the hire date) and at each promotion or raise. Pay
    over any window is then sum(salary x days of overlap) / days in the year.
-#}
with

start_of_year as (
    select
        replication_id,
        employee_id,
        hire_date,
        job_level,
        annual_compensation
    from {{ ref('int_workforce_start_of_year') }}
),

hires as (
    select
        replication_id,
        employee_id,
        effective_date,
        job_level_after,
        compensation_after
    from {{ ref('int_hires_generated') }}
),

terminations as (
    select
        replication_id,
        employee_id,
        effective_date
    from {{ ref('int_terminations_sampled') }}
    union all
    select
        replication_id,
        employee_id,
        effective_date
    from {{ ref('int_new_hire_terminations_sampled') }}
),

pay_events as (
    select
        replication_id,
        employee_id,
        effective_date,
        event_type,
        job_level_after,
        compensation_after
    from {{ ref('int_promotions_drawn') }}
    union all
    select
        replication_id,
        employee_id,
        effective_date,
        event_type,
        job_level_after,
        compensation_after
    from {{ ref('int_raises_calculated') }}
),

employment_spans as (
    select
        start_of_year.replication_id,
        start_of_year.employee_id,
        {{ year_start_date() }} as span_start_date
    from start_of_year
    union all
    select
        hires.replication_id,
        hires.employee_id,
        hires.effective_date as span_start_date
    from hires
),

salary_changes as (
    select
        start_of_year.replication_id,
        start_of_year.employee_id,
        {{ year_start_date() }} as effective_date,
        0 as change_priority,
        start_of_year.job_level,
        start_of_year.annual_compensation
    from start_of_year
    union all
    select
        hires.replication_id,
        hires.employee_id,
        hires.effective_date,
        {{ event_type_priority("'hire'") }} as change_priority,
        hires.job_level_after as job_level,
        hires.compensation_after as annual_compensation
    from hires
    union all
    select
        pay_events.replication_id,
        pay_events.employee_id,
        pay_events.effective_date,
        {{ event_type_priority('pay_events.event_type') }} as change_priority,
        pay_events.job_level_after as job_level,
        pay_events.compensation_after as annual_compensation
    from pay_events
),

ordered_changes as (
    select
        salary_changes.*,
        lead(salary_changes.effective_date) over (
            partition by salary_changes.replication_id, salary_changes.employee_id
            order by salary_changes.effective_date asc nulls last, salary_changes.change_priority asc nulls last
        ) as next_change_date,
        row_number() over (
            partition by salary_changes.replication_id, salary_changes.employee_id
            order by salary_changes.effective_date desc nulls last, salary_changes.change_priority desc nulls last
        ) as recency_rank
    from salary_changes
),

clipped as (
    select
        ordered_changes.replication_id,
        ordered_changes.employee_id,
        ordered_changes.job_level,
        ordered_changes.annual_compensation,
        ordered_changes.recency_rank,
        greatest(ordered_changes.effective_date, employment_spans.span_start_date) as segment_start_date,
        least(
            coalesce({{ add_days('ordered_changes.next_change_date', -1) }}, {{ year_end_date() }}),
            coalesce(terminations.effective_date, {{ year_end_date() }})
        ) as segment_end_date
    from ordered_changes
    inner join employment_spans
        on
            ordered_changes.replication_id = employment_spans.replication_id
            and ordered_changes.employee_id = employment_spans.employee_id
    left join terminations
        on
            ordered_changes.replication_id = terminations.replication_id
            and ordered_changes.employee_id = terminations.employee_id
),

final as (
    select
        clipped.replication_id,
        clipped.employee_id,
        cast(clipped.segment_start_date as date) as segment_start_date,
        cast(clipped.segment_end_date as date) as segment_end_date,
        cast(clipped.job_level as integer) as job_level,
        cast(clipped.annual_compensation as decimal(18, 2)) as annual_compensation,
        clipped.recency_rank = 1 as is_year_end_rate
    from clipped
)

select * from final
