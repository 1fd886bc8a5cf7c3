{#-
    One row per warning of a staged census row: the check (census_checks with severity 'warn')
    it failed, its line in the file and the raw values to look at (never the SSN). The row is
    simulated all the same.
-#}
{%- set warn_checks = [] -%}
{%- for name, severity in var('census_checks').items() if severity == 'warn' -%}
    {%- do warn_checks.append(name) -%}
{%- endfor -%}
with

census_rows as (
    select * from {{ ref('stg_census__rows') }}
    where
        row_status = 'staged'
        and warning_reasons is not null
        and scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
),

warnings as (
    {% for name in warn_checks -%}
        select
            census_rows.*,
            '{{ name }}' as warning_reason
        from census_rows
        where position(',{{ name }},' in ',' || census_rows.warning_reasons || ',') > 0
        union all
    {% endfor -%}
    select
        census_rows.*,
        cast(null as {{ dbt.type_string() }}) as warning_reason
    from census_rows
    where false
),

final as (
    select
        warnings.scenario_id,
        warnings.plan_design_id,
        warnings.census_row_number,
        warnings.census_line_number,
        warnings.employee_id,
        cast(warnings.warning_reason as {{ dbt.type_string() }}) as warning_reason,
        warnings.birth_date_text,
        warnings.hire_date_text,
        warnings.termination_date_text,
        warnings.annual_compensation_text,
        warnings.job_level_text,
        warnings.hours_per_week_text,
        warnings.deferral_rate_text,
        warnings.enrollment_date_text,
        warnings.ownership_pct_text,
        warnings.is_officer_text,
        warnings.prior_year_compensation_text,
        warnings.account_balance_text,
        warnings.account_balance_deferral_text,
        warnings.account_balance_match_text,
        warnings.account_balance_core_text
    from warnings
)

select * from final
