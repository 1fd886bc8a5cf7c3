{{ config(tags=['staging']) }}
{#-
    Census counts per (scenario_id, plan_design_id) by status and reject reason: raw = staged +
    rejected + excluded. Warned rows are staged rows that failed a check of severity 'warn'.
-#}
with

census_rows as (
    select
        scenario_id,
        plan_design_id,
        row_status,
        reject_reason,
        warning_reasons
    from {{ ref('stg_census__rows') }}
),

final as (
    select
        census_rows.scenario_id,
        census_rows.plan_design_id,
        census_rows.row_status,
        census_rows.reject_reason,
        count(*) as row_count,
        count(census_rows.warning_reasons) as warned_row_count
    from census_rows
    group by census_rows.scenario_id, census_rows.plan_design_id, census_rows.row_status, census_rows.reject_reason
)

select * from final
