{#-
    Account balances by source, rolled forward a year: balance x (1 + return) + the
    year's contributions. Employer money (match, core) vests by the plan's schedule at
    the employee's whole years of service; at termination the unvested part of each
    employer balance is forfeited and leaves the account. The corrections of a failed
    ADP/ACP test that the design applies (int_nondiscrimination_corrections_applied) come
    in with the year's contributions: distributed excess deferrals leave the deferral
    balance, the excess match leaves the match balance (its unvested part as a
    forfeiture), and a QNEC, fully vested and restricted like deferrals, joins the
    deferral balance. The top-heavy minimum contribution of a top-heavy year (fct_top_heavy_minimums), an
    employer nonelective contribution, joins the core balance and vests like it.
-#}
{%- set investment_return = uncertain_setting('investment_return_rate', 'workforce.replication_id') -%}

with

workforce as (
    select
        replication_id,
        employee_id,
        employment_status,
        employee_balance_amount,
        match_balance_amount,
        core_balance_amount
    from {{ ref('int_workforce_year_folded') }}
),

contributions as (
    select
        replication_id,
        employee_id,
        employee_contribution,
        employer_match,
        employer_core
    from {{ ref('int_annual_additions_limited') }}
),

corrections as (
    select
        replication_id,
        employee_id,
        distributed_deferral,
        excess_match,
        forfeited_match,
        qnec
    from {{ ref('int_nondiscrimination_corrections_applied') }}
),

windows as (
    select
        replication_id,
        employee_id,
        service_years
    from {{ ref('int_plan_compensation_windows') }}
),

top_heavy_minimums as (
    select
        replication_id,
        employee_id,
        minimum_contribution_rate,
        top_heavy_minimum_amount
    from {{ ref('fct_top_heavy_minimums') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        and simulation_year = {{ sim_year() }}
        and {{ replication_filter() }}
),

plan_design as (
    select vesting_schedule_id from {{ ref('int_plan_design_selected') }}
),

vested_shares as (
    select
        vesting_schedule_id,
        service_years,
        vested_share
    from {{ ref('int_vested_shares_by_service') }}
),

rolled as (
    select
        workforce.replication_id,
        workforce.employee_id,
        workforce.employment_status,
        plan_design.vesting_schedule_id,
        vested_shares.vested_share,
        cast(
            round(workforce.employee_balance_amount * (1 + {{ investment_return }}), 2)
            + contributions.employee_contribution
            - coalesce(corrections.distributed_deferral, 0) + coalesce(corrections.qnec, 0) as decimal(18, 2)
        ) as employee_balance,
        cast(
            round(workforce.match_balance_amount * (1 + {{ investment_return }}), 2)
            + contributions.employer_match - coalesce(corrections.excess_match, 0) as decimal(18, 2)
        ) as match_balance,
        cast(coalesce(corrections.forfeited_match, 0) as decimal(18, 2)) as correction_forfeiture,
        cast(coalesce(top_heavy_minimums.top_heavy_minimum_amount, 0) as decimal(18, 2)) as top_heavy_minimum,
        top_heavy_minimums.minimum_contribution_rate as top_heavy_minimum_rate,
        cast(
            round(workforce.core_balance_amount * (1 + {{ investment_return }}), 2)
            + contributions.employer_core + coalesce(top_heavy_minimums.top_heavy_minimum_amount, 0) as decimal(18, 2)
        ) as core_balance
    from workforce
    inner join contributions
        on
            workforce.replication_id = contributions.replication_id
            and workforce.employee_id = contributions.employee_id
    inner join windows
        on
            workforce.replication_id = windows.replication_id
            and workforce.employee_id = windows.employee_id
    left join corrections
        on
            workforce.replication_id = corrections.replication_id
            and workforce.employee_id = corrections.employee_id
    left join top_heavy_minimums
        on
            workforce.replication_id = top_heavy_minimums.replication_id
            and workforce.employee_id = top_heavy_minimums.employee_id
    cross join plan_design
    left join vested_shares
        on
            plan_design.vesting_schedule_id = vested_shares.vesting_schedule_id
            and least(windows.service_years, {{ var('max_service_years') }}) = vested_shares.service_years
),

forfeited as (
    select
        rolled.*,
        cast(case
            when rolled.employment_status = 'terminated' then round(rolled.match_balance * (1 - rolled.vested_share), 2)
            else 0
        end as decimal(18, 2)) as match_forfeiture,
        cast(case
            when rolled.employment_status = 'terminated' then round(rolled.core_balance * (1 - rolled.vested_share), 2)
            else 0
        end as decimal(18, 2)) as core_forfeiture
    from rolled
),

final as (
    select
        forfeited.replication_id,
        forfeited.employee_id,
        forfeited.vesting_schedule_id,
        forfeited.vested_share,
        forfeited.top_heavy_minimum,
        forfeited.top_heavy_minimum_rate,
        forfeited.employee_balance,
        cast(forfeited.match_balance - forfeited.match_forfeiture as decimal(18, 2)) as match_balance,
        cast(forfeited.core_balance - forfeited.core_forfeiture as decimal(18, 2)) as core_balance,
        cast(forfeited.match_forfeiture + forfeited.core_forfeiture + forfeited.correction_forfeiture as decimal(18, 2))
            as forfeiture,
        -- after a forfeiture what is left of the employer money is the vested part
        cast(case
            when forfeited.employment_status = 'terminated'
                then
                    forfeited.employee_balance + forfeited.match_balance - forfeited.match_forfeiture
                    + forfeited.core_balance - forfeited.core_forfeiture
            else
                forfeited.employee_balance
                + round(forfeited.match_balance * forfeited.vested_share, 2)
                + round(forfeited.core_balance * forfeited.vested_share, 2)
        end as decimal(18, 2)) as vested_balance
    from forfeited
)

select * from final
