{#-
    Raw census rows = staged + rejected + excluded, and every row has exactly one status:
    the census of the scenario and plan design named by the vars. Raw rows are the file's data
    rows as census_text_columns reads them (a CSV's non-blank lines after the header). Warned
    rows are staged rows.
-#}
{{ config(tags=['critical']) }}

with

raw_rows as (
    -- depends_on: {{ source('census', 'employees') }}
    select count(*) as raw_count from ({{ census_text_columns(census_file()) }}) as census
),

classified as (
    select
        count(*) as classified_count,
        count(case when row_status = 'staged' then 1 end) as staged_count,
        count(case when row_status = 'rejected' then 1 end) as rejected_count,
        count(case when row_status = 'excluded' then 1 end) as excluded_count,
        count(case when row_status = 'rejected' and reject_reason is null then 1 end) as rejects_without_reason,
        count(case when row_status <> 'staged' and warning_reasons is not null then 1 end) as unstaged_with_warnings
    from {{ ref('stg_census__rows') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
),

staged as (
    select count(*) as staged_model_count from {{ ref('stg_census__employees') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
),

rejects as (
    select count(*) as rejects_model_count from {{ ref('stg_census__rejects') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
)

select *
from raw_rows
cross join classified
cross join staged
cross join rejects
where
    raw_count <> staged_count + rejected_count + excluded_count
    or classified_count <> raw_count
    or staged_model_count <> staged_count
    or rejects_model_count <> rejected_count
    or rejects_without_reason > 0
    or unstaged_with_warnings > 0
