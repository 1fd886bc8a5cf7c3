{#-
    Every raw census row of the scenario's census, parsed and classified: 'staged' (simulated), 'rejected' (with
    a reason code) or 'excluded' (left before the simulation starts). Raw rows =
    staged + rejected + excluded, always. Each check of the census validation policy has a
    severity (var census_checks, set by the scenario): 'reject' makes the first failing check
    the row's reject_reason; 'warn' keeps the row and lists the check in warning_reasons
    (staged rows only; stg_census__warnings has one row per warning). A warned value that
    cannot be used falls back to its default (hours 40, no deferral rate, level from pay).
    The SSN is reduced here to a salted hash and never copied further.
-#}
{%- set bounds = var('census_bounds') -%}
{%- set severity = var('census_checks') -%}
{%- set start_date = year_start_date(var('start_year')) -%}
{#- opening account balances: a trillion dollars is beyond any account, and well within decimal(18, 2) -#}
{%- set max_account_balance = 10 ** 12 -%}
{%- set balance_columns = ['account_balance', 'account_balance_deferral', 'account_balance_match', 'account_balance_core'] -%}
{%- set source_columns = balance_columns[1:] -%}
{%- set checks = [
    ('malformed_row', 'parsed.is_malformed_row'),
    ('missing_employee_id', 'parsed.employee_id is null'),
    ('duplicate_employee_id', 'parsed.rows_with_this_id > 1'),
    ('unparseable_birth_date', 'parsed.birth_date is null'),
    ('unparseable_hire_date', 'parsed.hire_date is null'),
    ('unparseable_termination_date', 'parsed.termination_date_text is not null and parsed.termination_date is null'),
    ('unparseable_enrollment_date', 'parsed.enrollment_date_text is not null and parsed.enrollment_date is null'),
    ('invalid_compensation', 'parsed.compensation_number is null or not ' ~ is_finite('parsed.compensation_number') ~ ' or parsed.compensation_number <= 0'),
    ('compensation_above_maximum', 'parsed.compensation_number > ' ~ bounds['max_annual_compensation']),
    ('deferral_rate_out_of_range', 'parsed.deferral_rate_text is not null and (parsed.deferral_rate_number is null or parsed.deferral_rate_number < 0 or parsed.deferral_rate_number > 1)'),
    ('invalid_hours_per_week', 'parsed.hours_per_week_text is not null and (parsed.hours_per_week_number is null or parsed.hours_per_week_number <= 0 or parsed.hours_per_week_number > ' ~ bounds['max_hours_per_week'] ~ ')'),
    ('unknown_job_level', 'parsed.job_level_text is not null and parsed.job_level_number is null'),
    ('birth_after_hire', 'parsed.birth_date > parsed.hire_date'),
    ('implausible_age_at_hire', years_between('parsed.birth_date', 'parsed.hire_date') ~ ' < ' ~ bounds['min_age_at_hire'] ~ ' or ' ~ years_between('parsed.birth_date', 'parsed.hire_date') ~ ' >= ' ~ bounds['max_age_at_hire']),
    ('hire_after_start', 'parsed.hire_date > ' ~ start_date),
    ('termination_before_hire', 'parsed.termination_date < parsed.hire_date'),
    ('termination_after_start', 'parsed.termination_date >= ' ~ start_date),
    ('implausible_age', years_between('parsed.birth_date', start_date) ~ ' >= ' ~ bounds['max_age']),
    ('compensation_below_minimum', 'parsed.compensation_number < ' ~ bounds['min_annual_compensation']),
    ('pay_outside_level_band', 'parsed.compensation_number < parsed.level_min_compensation or parsed.compensation_number > parsed.level_max_compensation'),
    ('invalid_ownership_pct', 'parsed.ownership_pct_text is not null and (parsed.ownership_pct_number is null or not ' ~ is_finite('parsed.ownership_pct_number') ~ ' or parsed.ownership_pct_number < 0 or parsed.ownership_pct_number > 1)'),
    ('invalid_is_officer', 'parsed.is_officer_text is not null and parsed.is_officer_flag is null'),
    ('invalid_prior_year_compensation', 'parsed.prior_year_compensation_text is not null and (parsed.prior_year_compensation_number is null or not ' ~ is_finite('parsed.prior_year_compensation_number') ~ ' or parsed.prior_year_compensation_number < 0 or parsed.prior_year_compensation_number > ' ~ bounds['max_annual_compensation'] ~ ')'),
    ('invalid_account_balance', 'parsed.has_invalid_account_balance'),
    ('account_balance_not_sum_of_sources', 'parsed.account_balance_is_valid and parsed.has_source_balances and abs(parsed.account_balance_number - parsed.source_balance_sum) >= 0.005'),
] -%}
{{ config(
    pre_hook="{{ insertion_order_kept(true) }}",
    post_hook="{{ insertion_order_kept(false) }}",
) }}

with

census as (
    -- depends_on: {{ source('census', 'employees') }}
    {{ census_text_columns(census_file()) }}
),

job_levels as (
    select
        job_level,
        {{ census_pay_band('min_compensation') }} as min_compensation,
        {{ census_pay_band('max_compensation') }} as max_compensation
    from {{ assumption('job_levels') }}
),

renamed as (
    select
        census.census_row_number,
        census.census_line_number,
        census.is_malformed_row,
        {{ census_column('employee_id') }} as employee_id,
        {{ census_column('birth_date') }} as birth_date_text,
        {{ census_column('hire_date') }} as hire_date_text,
        {{ census_column('termination_date') }} as termination_date_text,
        {{ census_column('annual_compensation') }} as annual_compensation_text,
        {{ census_column('job_level') }} as job_level_text,
        {{ census_column('hours_per_week') }} as hours_per_week_text,
        {{ census_column('deferral_rate') }} as deferral_rate_text,
        {{ census_column('enrollment_date') }} as enrollment_date_text,
        {{ census_column('ssn') }} as ssn_text,
        {{ census_column('ownership_pct') }} as ownership_pct_text,
        {{ census_column('is_officer') }} as is_officer_text,
        {{ census_column('prior_year_compensation') }} as prior_year_compensation_text,
        {% for column in balance_columns -%}
            {{ census_column(column) }} as {{ column }}_text{% if not loop.last %},{% endif %}
        {% endfor %}
    from census
),

numbers as (
    select
        renamed.*,
        try_cast(replace(replace(renamed.annual_compensation_text, ',', ''), '$', '') as {{ type_double() }})
            as compensation_number,
        try_cast(renamed.job_level_text as {{ type_double() }}) as job_level_text_number,
        try_cast(renamed.hours_per_week_text as {{ type_double() }}) as hours_per_week_number,
        try_cast(renamed.deferral_rate_text as {{ type_double() }}) as deferral_rate_number,
        try_cast(renamed.ownership_pct_text as {{ type_double() }}) as ownership_pct_number,
        case
            when lower(renamed.is_officer_text) in ('true', 'yes', 'y', '1') then true
            when lower(renamed.is_officer_text) in ('false', 'no', 'n', '0') then false
        end as is_officer_flag,
        try_cast(replace(replace(renamed.prior_year_compensation_text, ',', ''), '$', '') as {{ type_double() }})
            as prior_year_compensation_number,
        {% for column in balance_columns -%}
            try_cast(replace(replace(renamed.{{ column }}_text, ',', ''), '$', '') as {{ type_double() }})
                as {{ column }}_number{% if not loop.last %},{% endif %}
        {% endfor %}
    from renamed
),

-- an opening balance is a finite number from 0 to the maximum; the sources, when any is given, split the balance
balances_checked as (
    select
        numbers.*,
        {% for column in balance_columns -%}
            coalesce(
                {{ is_finite('numbers.' ~ column ~ '_number') }} and numbers.{{ column }}_number >= 0
                and numbers.{{ column }}_number <= {{ max_account_balance }}, false
            ) as {{ column }}_is_valid,
        {% endfor -%}
        {% for column in balance_columns -%}
            (numbers.{{ column }}_text is not null and not coalesce(
                {{ is_finite('numbers.' ~ column ~ '_number') }} and numbers.{{ column }}_number >= 0
                and numbers.{{ column }}_number <= {{ max_account_balance }}, false
            )){% if not loop.last %} or{% endif %}
        {% endfor %} as has_invalid_account_balance
    from numbers
),

balances_split as (
    select
        balances_checked.*,
        {% for column in source_columns -%}
            balances_checked.{{ column }}_is_valid{% if not loop.last %} or {% endif %}
        {%- endfor %} as has_source_balances,
        {% for column in source_columns -%}
            case when balances_checked.{{ column }}_is_valid then balances_checked.{{ column }}_number else 0 end
            {%- if not loop.last %} + {% endif %}
        {% endfor %} as source_balance_sum
    from balances_checked
),

parsed as (
    select
        numbers.*,
        {{ parse_census_date('numbers.birth_date_text') }} as birth_date,
        {{ parse_census_date('numbers.hire_date_text') }} as hire_date,
        {{ parse_census_date('numbers.termination_date_text') }} as termination_date,
        {{ parse_census_date('numbers.enrollment_date_text') }} as enrollment_date,
        job_levels.job_level as job_level_number,
        job_levels.min_compensation as level_min_compensation,
        job_levels.max_compensation as level_max_compensation,
        case
            when numbers.is_malformed_row then 1
            else count(*) over (partition by numbers.employee_id, numbers.is_malformed_row)
        end as rows_with_this_id
    from balances_split as numbers
    left join job_levels
        on
            numbers.job_level_text_number = floor(numbers.job_level_text_number)
            and numbers.job_level_text_number = job_levels.job_level
),

classified as (
    select
        parsed.*,
        case
            {% for name, condition in checks if severity[name] == 'reject' -%}
                when {{ condition }} then '{{ name }}'
            {% endfor -%}
        end as reject_reason,
        nullif(
            concat_ws(
                ',',
                {% for name, condition in checks if severity[name] == 'warn' -%}
                    case when coalesce({{ condition }}, false) then '{{ name }}' end,
                {% endfor -%}
                cast(null as {{ dbt.type_string() }})
            ),
            ''
        ) as warning_reasons_all
    from parsed
),

final as (
    select
        cast('{{ var("scenario_id") }}' as {{ dbt.type_string() }}) as scenario_id,
        cast('{{ var("plan_design_id") }}' as {{ dbt.type_string() }}) as plan_design_id,
        classified.census_row_number,
        cast(classified.census_line_number as bigint) as census_line_number,
        classified.employee_id,
        case
            when classified.reject_reason is not null then 'rejected'
            when classified.termination_date < {{ start_date }} then 'excluded'
            else 'staged'
        end as row_status,
        classified.reject_reason,
        case
            when classified.reject_reason is null and not coalesce(classified.termination_date < {{ start_date }}, false)
                then classified.warning_reasons_all
        end as warning_reasons,
        classified.birth_date,
        classified.hire_date,
        classified.termination_date,
        case
            when classified.compensation_number > 0 and classified.compensation_number <= {{ bounds['max_annual_compensation'] }}
                then coalesce(
                    try_cast(replace(replace(classified.annual_compensation_text, ',', ''), '$', '') as decimal(18, 2)),
                    cast(round(classified.compensation_number, 2) as decimal(18, 2))
                )
        end as annual_compensation,
        cast(classified.job_level_number as integer) as job_level,
        case
            when classified.hours_per_week_number > 0 and classified.hours_per_week_number <= {{ bounds['max_hours_per_week'] }}
                then classified.hours_per_week_number
            else 40
        end as hours_per_week,
        case
            when classified.deferral_rate_number >= 0 and classified.deferral_rate_number <= 1
                then classified.deferral_rate_number
        end as deferral_rate,
        classified.enrollment_date,
        case
            when classified.ssn_text is not null
                -- salted in Python (hooks/plugin.py): the salt never appears in SQL or logs
                then planalign_ssn_hash(classified.ssn_text)
        end as ssn_hash,
        case
            when classified.ownership_pct_number >= 0 and classified.ownership_pct_number <= 1
                then cast(classified.ownership_pct_number as decimal(10, 6))
        end as ownership_pct,
        classified.is_officer_flag as is_officer,
        case
            when
                classified.prior_year_compensation_number >= 0
                and classified.prior_year_compensation_number <= {{ bounds['max_annual_compensation'] }}
                then cast(round(classified.prior_year_compensation_number, 2) as decimal(18, 2))
        end as prior_year_compensation,
        -- opening balances by source: the split columns when any is given, else account_balance as employee money
        cast(round(case
            when classified.has_source_balances and classified.account_balance_deferral_is_valid
                then classified.account_balance_deferral_number
            when not classified.has_source_balances and classified.account_balance_is_valid
                then classified.account_balance_number
            else 0
        end, 2) as decimal(18, 2)) as employee_balance_amount,
        {% for source in ['match', 'core'] -%}
            cast(round(case
                when classified.account_balance_{{ source }}_is_valid then classified.account_balance_{{ source }}_number
                else 0
            end, 2) as decimal(18, 2)) as {{ source }}_balance_amount,
        {% endfor -%}
        classified.birth_date_text,
        classified.hire_date_text,
        classified.termination_date_text,
        classified.annual_compensation_text,
        classified.job_level_text,
        classified.hours_per_week_text,
        classified.deferral_rate_text,
        classified.enrollment_date_text,
        classified.ownership_pct_text,
        classified.is_officer_text,
        classified.prior_year_compensation_text,
        {% for column in balance_columns -%}
            classified.{{ column }}_text{% if not loop.last %},{% endif %}
        {% endfor %}
    from classified
)

select * from final
