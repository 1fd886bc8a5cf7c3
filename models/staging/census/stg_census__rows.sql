{#-
    Every raw census row of the scenario's census, parsed and classified: 'staged' (simulated), 'rejected' (with
    a reason code) or 'excluded' (left before the simulation starts). Raw rows =
    staged + rejected + excluded, always. The SSN is reduced here to a salted hash and
    never copied further.
-#}
{{ config(
    pre_hook="{{ insertion_order_kept(true) }}",
    post_hook="{{ insertion_order_kept(false) }}",
) }}

with

census as (
    {{ census_text_columns(source('census', 'employees')) }}
),

job_levels as (
    select job_level from {{ ref('job_levels') }}
),

renamed as (
    select
        census.census_row_number,
        {{ census_column('employee_id') }} as employee_id,
        {{ census_column('birth_date') }} as birth_date_text,
        {{ census_column('hire_date') }} as hire_date_text,
        {{ census_column('termination_date') }} as termination_date_text,
        {{ census_column('annual_compensation') }} as annual_compensation_text,
        {{ census_column('job_level') }} as job_level_text,
        {{ census_column('hours_per_week') }} as hours_per_week_text,
        {{ census_column('deferral_rate') }} as deferral_rate_text,
        {{ census_column('enrollment_date') }} as enrollment_date_text,
        {{ census_column('ssn') }} as ssn_text
    from census
),

parsed as (
    select
        renamed.*,
        {{ parse_census_date('renamed.birth_date_text') }} as birth_date,
        {{ parse_census_date('renamed.hire_date_text') }} as hire_date,
        {{ parse_census_date('renamed.termination_date_text') }} as termination_date,
        {{ parse_census_date('renamed.enrollment_date_text') }} as enrollment_date,
        try_cast(replace(replace(renamed.annual_compensation_text, ',', ''), '$', '') as decimal(18, 2))
            as annual_compensation,
        try_cast(renamed.job_level_text as integer) as job_level,
        coalesce(try_cast(renamed.hours_per_week_text as {{ type_double() }}), 40) as hours_per_week,
        try_cast(renamed.hours_per_week_text as {{ type_double() }}) as hours_per_week_parsed,
        try_cast(renamed.deferral_rate_text as {{ type_double() }}) as deferral_rate,
        count(*) over (partition by renamed.employee_id) as rows_with_this_id
    from renamed
),

classified as (
    select
        parsed.*,
        case
            when parsed.employee_id is null then 'missing_employee_id'
            when parsed.rows_with_this_id > 1 then 'duplicate_employee_id'
            when parsed.birth_date is null then 'unparseable_birth_date'
            when parsed.hire_date is null then 'unparseable_hire_date'
            when parsed.termination_date_text is not null and parsed.termination_date is null
                then 'unparseable_termination_date'
            when parsed.enrollment_date_text is not null and parsed.enrollment_date is null
                then 'unparseable_enrollment_date'
            when parsed.annual_compensation is null or parsed.annual_compensation <= 0
                then 'invalid_compensation'
            when
                parsed.deferral_rate_text is not null
                and (parsed.deferral_rate is null or parsed.deferral_rate < 0 or parsed.deferral_rate > 1)
                then 'deferral_rate_out_of_range'
            when
                parsed.hours_per_week_text is not null
                and (
                    parsed.hours_per_week_parsed is null
                    or parsed.hours_per_week_parsed <= 0
                    or parsed.hours_per_week_parsed > 168
                )
                then 'invalid_hours_per_week'
            when
                parsed.job_level_text is not null
                and (
                    not regexp_full_match(parsed.job_level_text, '[0-9]+')
                    or parsed.job_level not in (select job_levels.job_level from job_levels)
                )
                then 'unknown_job_level'
            when parsed.birth_date > parsed.hire_date then 'birth_after_hire'
            when {{ years_between('parsed.birth_date', 'parsed.hire_date') }} < 14 then 'implausible_age_at_hire'
            when parsed.hire_date > {{ year_start_date(var('start_year')) }} then 'hire_after_start'
            when parsed.termination_date < parsed.hire_date then 'termination_before_hire'
            when parsed.termination_date >= {{ year_start_date(var('start_year')) }} then 'termination_after_start'
        end as reject_reason
    from parsed
),

final as (
    select
        cast('{{ var("scenario_id") }}' as {{ dbt.type_string() }}) as scenario_id,
        cast('{{ var("plan_design_id") }}' as {{ dbt.type_string() }}) as plan_design_id,
        classified.census_row_number,
        classified.employee_id,
        case
            when classified.reject_reason is not null then 'rejected'
            when classified.termination_date < {{ year_start_date(var('start_year')) }} then 'excluded'
            else 'staged'
        end as row_status,
        classified.reject_reason,
        classified.birth_date,
        classified.hire_date,
        classified.termination_date,
        classified.annual_compensation,
        classified.job_level,
        classified.hours_per_week,
        classified.deferral_rate,
        classified.enrollment_date,
        case
            when classified.ssn_text is not null
                -- salted in Python (hooks/planalign_hooks.py): the salt never appears in SQL or logs
                then planalign_ssn_hash(classified.ssn_text)
        end as ssn_hash,
        classified.birth_date_text,
        classified.hire_date_text,
        classified.termination_date_text,
        classified.annual_compensation_text,
        classified.job_level_text,
        classified.hours_per_week_text,
        classified.deferral_rate_text,
        classified.enrollment_date_text
    from classified
)

select * from final
