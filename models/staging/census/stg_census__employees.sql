{#- The census rows that will be simulated: valid, and still employed when the simulation starts. -#}
with

census_rows as (
    select * from {{ ref('stg_census__rows') }}
    where
        row_status = 'staged'
        and scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
),

final as (
    select
        census_rows.scenario_id,
        census_rows.plan_design_id,
        census_rows.employee_id,
        census_rows.birth_date,
        census_rows.hire_date,
        census_rows.annual_compensation,
        census_rows.job_level,
        census_rows.hours_per_week,
        census_rows.deferral_rate,
        census_rows.enrollment_date,
        census_rows.ssn_hash,
        census_rows.ownership_pct,
        census_rows.is_officer,
        census_rows.prior_year_compensation,
        census_rows.employee_balance_amount,
        census_rows.match_balance_amount,
        census_rows.core_balance_amount
    from census_rows
)

select * from final
