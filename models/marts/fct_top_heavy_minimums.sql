{#-
    The top-heavy minimum contribution (IRC §416(c)(2)) of a year in which the plan is top-heavy and not exempt
    (fct_top_heavy_determinations), per (scenario_id, plan_design_id, replication_id, simulation_year, employee_id):
    one row for every non-key participant employed on the last day of the year who is owed one.
    - Who: eligible for the plan (a participant, whether or not they defer: Treas. Reg. §1.416-1, M-10), not a key
      employee in the year, and active on Dec 31.
    - Owed: the minimum rate x plan compensation (the year's pay up to the IRC §401(a)(17) limit), rounded half up to
      the cent, less the employer contributions the plan formula already gave them this year: match and core (the
      match counts, IRC §416(c)(2)(A) last sentence; their own deferrals do not, §1.416-1 M-20). Rows only where
      something is owed.
-#}
{{ config(
    materialized='year_append',
    pre_hook="{{ year_scoped_delete() }}",
    contract={'enforced': true}
) }}
{%- set year = sim_year() -%}

with

determinations as (
    select
        replication_id,
        cast(round(minimum_contribution_rate * 10000) as {{ type_hugeint() }}) as minimum_rate_units
    from {{ ref('fct_top_heavy_determinations') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        and simulation_year = {{ year }}
        and {{ replication_filter() }}
        and is_top_heavy
),

participants as (
    select
        replication_id,
        employee_id
    from {{ ref('fct_nondiscrimination_employees') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        and simulation_year = {{ year }}
        and {{ replication_filter() }}
        and is_adp_eligible
        and employment_status = 'active'
        and key_employee_reason is null
),

contributions as (
    select
        replication_id,
        employee_id,
        plan_compensation,
        employer_match,
        employer_core
    from {{ ref('int_annual_additions_limited') }}
),

owed as (
    select
        participants.replication_id,
        participants.employee_id,
        determinations.minimum_rate_units,
        contributions.plan_compensation,
        contributions.employer_match + contributions.employer_core as employer_contribution,
        -- rate (hundredths of a percent) x pay in cents, to the cent, half up
        {{ int_div(
            '(2 * cast(round(contributions.plan_compensation * 100) as ' ~ type_hugeint()
                ~ ') * determinations.minimum_rate_units + 10000)',
            '20000') }} as required_cents,
        cast(round((contributions.employer_match + contributions.employer_core) * 100) as {{ type_hugeint() }})
            as employer_contribution_cents
    from participants
    inner join determinations
        on participants.replication_id = determinations.replication_id
    inner join contributions
        on
            participants.replication_id = contributions.replication_id
            and participants.employee_id = contributions.employee_id
),

final as (
    select
        cast('{{ var("scenario_id") }}' as {{ dbt.type_string() }}) as scenario_id,
        cast('{{ var("plan_design_id") }}' as {{ dbt.type_string() }}) as plan_design_id,
        cast(owed.replication_id as integer) as replication_id,
        cast({{ year }} as integer) as simulation_year,
        cast(owed.employee_id as {{ dbt.type_string() }}) as employee_id,
        cast(
            cast(owed.minimum_rate_units as decimal(18, 0)) * cast(0.0001 as decimal(5, 4)) as decimal(10, 4)
        ) as minimum_contribution_rate,
        cast(owed.plan_compensation as decimal(18, 2)) as plan_compensation_amount,
        cast(cast(owed.required_cents as decimal(38, 0)) / 100 as decimal(18, 2)) as required_contribution_amount,
        cast(owed.employer_contribution as decimal(18, 2)) as employer_contribution_amount,
        cast(
            cast(owed.required_cents - owed.employer_contribution_cents as decimal(38, 0)) / 100 as decimal(18, 2)
        ) as top_heavy_minimum_amount,
        cast('{{ run_stamp_id() }}' as {{ dbt.type_string() }}) as run_id,
        cast({{ dbt.current_timestamp() }} as timestamp) as created_at
    from owed
    where owed.required_cents > owed.employer_contribution_cents
)

select * from final
