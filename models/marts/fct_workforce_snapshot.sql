{#-
    One row per (scenario_id, plan_design_id, replication_id, simulation_year, employee_id) for everyone
    employed at any time in the year: the Jan 1 workforce and the year's hires, with the
    year's events folded in (int_workforce_year_folded), and their plan position:
    eligibility, enrollment, deferral rate, contributions by source after every limit,
    balances, vesting and the flags of each limit that bit, and the corrections of a
    failed ADP/ACP test the design applies (QNEC, corrective distribution), and the top-heavy minimum
    contribution of a top-heavy year (in the core balance).
-#}
{{ config(
    materialized='year_append',
    pre_hook="{{ year_scoped_delete() }}",
    contract={'enforced': true}
) }}

with

workforce as (
    select
        replication_id,
        employee_id,
        employee_source,
        is_new_hire,
        employment_status,
        birth_date,
        hire_date,
        termination_date,
        termination_reason,
        age_years,
        tenure_years,
        job_level,
        annual_compensation,
        prorated_compensation,
        hours_per_week
    from {{ ref('int_workforce_year_folded') }}
),

participation as (
    select
        replication_id,
        employee_id,
        is_eligible,
        eligibility_date,
        enrollment_status,
        enrollment_source,
        enrollment_date,
        deferral_rate,
        is_escalated
    from {{ ref('int_plan_participation_resolved') }}
),

windows as (
    select
        replication_id,
        employee_id,
        service_years
    from {{ ref('int_plan_compensation_windows') }}
),

contributions as (
    select
        replication_id,
        employee_id,
        plan_compensation,
        is_compensation_limited,
        deferral_compensation,
        core_compensation,
        employee_contribution,
        catch_up_contribution,
        is_deferral_limited,
        prior_year_wages,
        is_roth_catch_up_required,
        elected_roth_share,
        pre_tax_contribution,
        roth_contribution,
        roth_catch_up_contribution,
        is_match_eligible,
        is_match_capped,
        employer_match,
        is_core_eligible,
        employer_core,
        is_annual_additions_limited
    from {{ ref('int_annual_additions_limited') }}
),

balances as (
    select
        replication_id,
        employee_id,
        vested_share,
        employee_balance,
        match_balance,
        core_balance,
        forfeiture,
        vested_balance,
        top_heavy_minimum
    from {{ ref('int_plan_balances_rolled') }}
),

corrections as (
    select
        replication_id,
        employee_id,
        distributed_deferral + distributed_match as corrective_distribution,
        qnec
    from {{ ref('int_nondiscrimination_corrections_applied') }}
),

final as (
    select
        cast('{{ var("scenario_id") }}' as {{ dbt.type_string() }}) as scenario_id,
        cast('{{ var("plan_design_id") }}' as {{ dbt.type_string() }}) as plan_design_id,
        cast({{ sim_year() }} as integer) as simulation_year,
        cast(workforce.replication_id as integer) as replication_id,
        cast(workforce.employee_id as {{ dbt.type_string() }}) as employee_id,
        cast(workforce.employee_source as {{ dbt.type_string() }}) as employee_source,
        cast(workforce.is_new_hire as boolean) as is_new_hire,
        cast(workforce.employment_status as {{ dbt.type_string() }}) as employment_status,
        cast(workforce.birth_date as date) as birth_date,
        cast(workforce.hire_date as date) as hire_date,
        cast(workforce.termination_date as date) as termination_date,
        cast(workforce.termination_reason as {{ dbt.type_string() }}) as termination_reason,
        cast(round(workforce.age_years, 2) as decimal(6, 2)) as age,
        cast(round(workforce.tenure_years, 2) as decimal(6, 2)) as tenure_years,
        cast(windows.service_years as integer) as service_years,
        cast(workforce.job_level as integer) as job_level,
        cast(workforce.annual_compensation as decimal(18, 2)) as annual_compensation,
        cast(workforce.prorated_compensation as decimal(18, 2)) as prorated_compensation,
        cast(workforce.hours_per_week as {{ type_double() }}) as hours_per_week,
        cast(participation.is_eligible as boolean) as is_plan_eligible,
        cast(participation.eligibility_date as date) as eligibility_date,
        cast(participation.enrollment_status as {{ dbt.type_string() }}) as enrollment_status,
        cast(participation.enrollment_source as {{ dbt.type_string() }}) as enrollment_source,
        cast(participation.enrollment_date as date) as enrollment_date,
        cast(participation.deferral_rate as {{ type_double() }}) as deferral_rate,
        cast(participation.is_escalated as boolean) as is_escalated,
        cast(contributions.plan_compensation as decimal(18, 2)) as plan_compensation_amount,
        cast(contributions.deferral_compensation as decimal(18, 2)) as deferral_compensation_amount,
        cast(contributions.core_compensation as decimal(18, 2)) as core_compensation_amount,
        cast(contributions.employee_contribution as decimal(18, 2)) as employee_contribution_amount,
        cast(contributions.catch_up_contribution as decimal(18, 2)) as catch_up_contribution_amount,
        cast(contributions.pre_tax_contribution as decimal(18, 2)) as pre_tax_contribution_amount,
        cast(contributions.roth_contribution as decimal(18, 2)) as roth_contribution_amount,
        cast(contributions.roth_catch_up_contribution as decimal(18, 2)) as roth_catch_up_contribution_amount,
        cast(contributions.elected_roth_share as decimal(10, 6)) as roth_deferral_share,
        cast(contributions.prior_year_wages as decimal(18, 2)) as prior_year_wages_amount,
        cast(contributions.is_roth_catch_up_required as boolean) as is_roth_catch_up_required,
        cast(contributions.employer_match as decimal(18, 2)) as employer_match_amount,
        cast(contributions.employer_core as decimal(18, 2)) as employer_core_amount,
        cast(
            contributions.employee_contribution + contributions.employer_match + contributions.employer_core
            as decimal(18, 2)
        ) as total_contribution_amount,
        cast(balances.forfeiture as decimal(18, 2)) as forfeiture_amount,
        cast(balances.employee_balance as decimal(18, 2)) as employee_balance_amount,
        cast(balances.match_balance as decimal(18, 2)) as match_balance_amount,
        cast(balances.core_balance as decimal(18, 2)) as core_balance_amount,
        cast(balances.employee_balance + balances.match_balance + balances.core_balance as decimal(18, 2))
            as total_balance_amount,
        cast(balances.vested_share as decimal(10, 6)) as vested_share,
        cast(balances.vested_balance as decimal(18, 2)) as vested_balance_amount,
        cast(contributions.is_match_eligible as boolean) as is_match_eligible,
        cast(contributions.is_core_eligible as boolean) as is_core_eligible,
        cast(contributions.is_compensation_limited as boolean) as is_401a17_limited,
        cast(contributions.is_deferral_limited as boolean) as is_402g_limited,
        cast(contributions.is_annual_additions_limited as boolean) as is_415c_limited,
        cast(contributions.is_match_capped as boolean) as is_match_capped,
        cast(coalesce(corrections.qnec, 0) as decimal(18, 2)) as qnec_amount,
        cast(coalesce(corrections.corrective_distribution, 0) as decimal(18, 2)) as corrective_distribution_amount,
        cast(balances.top_heavy_minimum as decimal(18, 2)) as top_heavy_minimum_amount,
        cast('{{ run_stamp_id() }}' as {{ dbt.type_string() }}) as run_id,
        cast({{ dbt.current_timestamp() }} as timestamp) as created_at
    from workforce
    inner join participation
        on
            workforce.replication_id = participation.replication_id
            and workforce.employee_id = participation.employee_id
    inner join windows
        on
            workforce.replication_id = windows.replication_id
            and workforce.employee_id = windows.employee_id
    inner join contributions
        on
            workforce.replication_id = contributions.replication_id
            and workforce.employee_id = contributions.employee_id
    inner join balances
        on
            workforce.replication_id = balances.replication_id
            and workforce.employee_id = balances.employee_id
    left join corrections
        on
            workforce.replication_id = corrections.replication_id
            and workforce.employee_id = corrections.employee_id
)

select * from final
