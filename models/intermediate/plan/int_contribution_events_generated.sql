{#-
    One event per source with money in it: employee_contribution, employer_match and
    employer_core, dated Dec 31 (or the termination date, sequenced before it).
-#}
with

contributions as (
    select
        replication_id,
        employee_id,
        employee_contribution,
        employer_match,
        employer_core
    from {{ ref('int_annual_additions_limited') }}
),

workforce as (
    select
        replication_id,
        employee_id,
        employment_end_date
    from {{ ref('int_workforce_year_folded') }}
),

participation as (
    select
        replication_id,
        employee_id,
        deferral_rate
    from {{ ref('int_plan_participation_resolved') }}
),

plan_design as (
    select
        match_formula_id,
        core_formula_id
    from {{ ref('int_plan_design_selected') }}
),

sources as (
    select
        contributions.replication_id,
        contributions.employee_id,
        workforce.employment_end_date as effective_date,
        participation.deferral_rate,
        plan_design.match_formula_id,
        plan_design.core_formula_id,
        contributions.employee_contribution,
        contributions.employer_match,
        contributions.employer_core
    from contributions
    inner join workforce
        on
            contributions.replication_id = workforce.replication_id
            and contributions.employee_id = workforce.employee_id
    inner join participation
        on
            contributions.replication_id = participation.replication_id
            and contributions.employee_id = participation.employee_id
    cross join plan_design
),

final as (
    select
        replication_id,
        employee_id,
        'employee_contribution' as event_type,
        effective_date,
        deferral_rate as deferral_rate_before,
        deferral_rate as deferral_rate_after,
        employee_contribution as amount,
        'payroll_deferral' as reason
    from sources
    where employee_contribution > 0
    union all
    select
        replication_id,
        employee_id,
        'employer_match' as event_type,
        effective_date,
        deferral_rate as deferral_rate_before,
        deferral_rate as deferral_rate_after,
        employer_match as amount,
        match_formula_id as reason
    from sources
    where employer_match > 0
    union all
    select
        replication_id,
        employee_id,
        'employer_core' as event_type,
        effective_date,
        cast(null as decimal(10, 6)) as deferral_rate_before,
        cast(null as decimal(10, 6)) as deferral_rate_after,
        employer_core as amount,
        core_formula_id as reason
    from sources
    where employer_core > 0
)

select * from final
