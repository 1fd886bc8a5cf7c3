{#- Census rows that cannot be simulated, with the reason and the raw values (never the SSN) to fix them by. -#}
with

census_rows as (
    select * from {{ ref('stg_census__rows') }}
    where
        row_status = 'rejected'
        and scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
),

final as (
    select
        census_rows.scenario_id,
        census_rows.plan_design_id,
        census_rows.census_row_number,
        census_rows.census_line_number,
        census_rows.employee_id,
        census_rows.reject_reason,
        census_rows.birth_date_text,
        census_rows.hire_date_text,
        census_rows.termination_date_text,
        census_rows.annual_compensation_text,
        census_rows.job_level_text,
        census_rows.hours_per_week_text,
        census_rows.deferral_rate_text,
        census_rows.enrollment_date_text,
        census_rows.ownership_pct_text,
        census_rows.is_officer_text,
        census_rows.prior_year_compensation_text,
        census_rows.account_balance_text,
        census_rows.account_balance_deferral_text,
        census_rows.account_balance_match_text,
        census_rows.account_balance_core_text
    from census_rows
)

select * from final
