{#-
    Everyone employed at any time in the simulated year - the Jan 1 workforce and the
    year's hires - with the year's workforce events folded in: status, termination,
    year-end level and pay rate, prorated pay, age and tenure at Dec 31 (or at
    termination), and the plan state carried in from last year. The plan models and
    fct_workforce_snapshot read this; test_fold proves it equals folding the event store.
-#}
with

start_of_year as (
    select
        replication_id,
        employee_id,
        employee_source,
        birth_date,
        hire_date,
        hours_per_week,
        deferral_rate,
        enrollment_date,
        enrollment_status,
        enrollment_source,
        employee_balance_amount,
        match_balance_amount,
        core_balance_amount
    from {{ ref('int_workforce_start_of_year') }}
),

hires as (
    select
        replication_id,
        employee_id,
        birth_date,
        effective_date
    from {{ ref('int_hires_generated') }}
),

terminations as (
    select
        replication_id,
        employee_id,
        effective_date,
        reason
    from {{ ref('int_terminations_sampled') }}
    union all
    select
        replication_id,
        employee_id,
        effective_date,
        reason
    from {{ ref('int_new_hire_terminations_sampled') }}
),

salary_segments as (
    select
        replication_id,
        employee_id,
        segment_start_date,
        segment_end_date,
        job_level,
        annual_compensation,
        is_year_end_rate
    from {{ ref('int_salary_segments_built') }}
),

population as (
    select
        start_of_year.*,
        false as is_new_hire
    from start_of_year
    union all
    select
        hires.replication_id,
        hires.employee_id,
        'hire' as employee_source,
        hires.birth_date,
        hires.effective_date as hire_date,
        cast(40 as {{ type_double() }}) as hours_per_week,
        cast(null as {{ type_double() }}) as deferral_rate,
        cast(null as date) as enrollment_date,
        'not_enrolled' as enrollment_status,
        cast(null as {{ dbt.type_string() }}) as enrollment_source,
        0 as employee_balance_amount,
        0 as match_balance_amount,
        0 as core_balance_amount,
        true as is_new_hire
    from hires
),

compensation as (
    select
        salary_segments.replication_id,
        salary_segments.employee_id,
        max(case when salary_segments.is_year_end_rate then salary_segments.annual_compensation end)
            as annual_compensation,
        max(case when salary_segments.is_year_end_rate then salary_segments.job_level end) as job_level,
        sum(
            salary_segments.annual_compensation
            * greatest(0, {{ dbt.datediff('salary_segments.segment_start_date',
                'salary_segments.segment_end_date', 'day') }} + 1)
        ) as compensation_days
    from salary_segments
    group by salary_segments.replication_id, salary_segments.employee_id
),

final as (
    select
        population.replication_id,
        population.employee_id,
        population.employee_source,
        population.is_new_hire,
        case when terminations.effective_date is null then 'active' else 'terminated' end as employment_status,
        population.birth_date,
        population.hire_date,
        terminations.effective_date as termination_date,
        terminations.reason as termination_reason,
        greatest(population.hire_date, {{ year_start_date() }}) as employment_start_date,
        coalesce(terminations.effective_date, {{ year_end_date() }}) as employment_end_date,
        {{ years_between('population.birth_date',
            'coalesce(terminations.effective_date, ' ~ year_end_date() ~ ')') }} as age_years,
        {{ years_between('population.hire_date',
            'coalesce(terminations.effective_date, ' ~ year_end_date() ~ ')') }} as tenure_years,
        compensation.job_level,
        compensation.annual_compensation,
        cast(round(compensation.compensation_days / {{ days_in_year() }}, 2) as decimal(18, 2))
            as prorated_compensation,
        population.hours_per_week,
        population.deferral_rate,
        population.enrollment_date,
        population.enrollment_status,
        population.enrollment_source,
        cast(population.employee_balance_amount as decimal(18, 2)) as employee_balance_amount,
        cast(population.match_balance_amount as decimal(18, 2)) as match_balance_amount,
        cast(population.core_balance_amount as decimal(18, 2)) as core_balance_amount
    from population
    left join terminations
        on
            population.replication_id = terminations.replication_id
            and population.employee_id = terminations.employee_id
    left join compensation
        on
            population.replication_id = compensation.replication_id
            and population.employee_id = compensation.employee_id
)

select * from final
