{#-
    The top-heavy test (IRC §416(g)) of every (scenario_id, plan_design_id, replication_id, simulation_year): one row.
    - Determination date (§416(g)(4)(C)): the last day of the prior plan year. The balances are every account at
      that date: last year's snapshot (its leavers included: they worked in the year ending on the determination
      date, §416(g)(4)(E)); for the start year, the census's opening balances.
    - Key employees (§416(i)(1)): those of the plan year holding the determination date (last year's
      classification in fct_nondiscrimination_employees); the start year's own classification for the start year,
      whose prior year the census does not describe.
    - Former key employees (§416(g)(4)(B)): not key in the plan year holding the determination date but key in a
      simulated plan year before it (this scenario, design and replication, from the start year on). Their whole
      balance is left out of the key balances and out of all balances, and counted apart. The census says nothing
      of earlier years, so the start year and the year after it have none.
    - Top-heavy when the key employees' balances exceed 60% of all balances (§416(g)(1)(A)(ii)), compared exactly
      in cents: exactly 60% is not top-heavy.
    - Exempt (§416(g)(4)(H)): a safe-harbor design whose only employer money is its safe-harbor contribution (a
      match exempt from the ACP test, or the 3% nonelective core) is not treated as top-heavy.
    - When top-heavy and not exempt, the minimum rate (§416(c)(2)) is 3% of pay, or the highest rate of a key
      employee in the year if lower: (deferrals without catch-up + match + core) / plan compensation, to the
      nearest hundredth of a percent. fct_top_heavy_minimums gives it to each non-key participant.
-#}
{{ config(
    materialized='year_append',
    pre_hook="{{ year_scoped_delete() }}",
    contract={'enforced': true}
) }}
{%- set year = sim_year() -%}
{%- set is_first_year = (year == var('start_year') | int) -%}
{#- the plan year holding the determination date; the start year stands in for the year before it -#}
{%- set determination_year = year if is_first_year else year - 1 -%}
{#- IRC §416(g)(1)(A)(ii): key employees' share above 60%; §416(c)(2)(A): 3% of pay, in hundredths of a percent -#}
{%- set threshold_percent = 60 -%}
{%- set minimum_rate_units = 300 -%}
{#- the census's opening balances are read in the start year only, but the ref is made in every year: the project
    must parse the same whatever the run's years (one parse serves every year) -#}
{%- set census_employees = ref('stg_census__employees') -%}

with

classified as (
    select
        replication_id,
        simulation_year,
        employee_id,
        key_employee_reason
    from {{ ref('fct_nondiscrimination_employees') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        and simulation_year between {{ var('start_year') | int }} and {{ year }}
        and {{ replication_filter() }}
),

contributions as (
    select
        replication_id,
        employee_id,
        plan_compensation,
        employee_contribution,
        catch_up_contribution,
        employer_match,
        employer_core
    from {{ ref('int_annual_additions_limited') }}
),

plan_design as (
    select
        safe_harbor,
        match_formula_id,
        core_formula_id
    from {{ ref('int_plan_design_selected') }}
),

match_tiers as (
    select coalesce(max(deferral_to), 0) as match_deferral_ceiling
    from {{ ref('int_plan_match_tiers_selected') }}
),

replications as (
    {{ replication_ids() }}
),

{% if is_first_year %}

    census as (
        select
            employee_id,
            employee_balance_amount,
            match_balance_amount,
            core_balance_amount
        from {{ census_employees }}
        where
            scenario_id = '{{ var("scenario_id") }}'
            and plan_design_id = '{{ var("plan_design_id") }}'
    ),

    determination_balances as (
        select
            replications.replication_id,
            census.employee_id,
            census.employee_balance_amount + census.match_balance_amount + census.core_balance_amount
                as balance_amount
        from census
        cross join replications
    ),

{% else %}

    determination_balances as (
        select
            prior.replication_id,
            prior.employee_id,
            prior.total_balance_amount as balance_amount
        from {{ prior_snapshot_relation(year) }} as prior
        where
            prior.scenario_id = '{{ var("scenario_id") }}'
            and prior.plan_design_id = '{{ var("plan_design_id") }}'
            and prior.simulation_year = {{ year - 1 }}
            and {{ replication_filter('prior.replication_id') }}
    ),

{% endif %}

-- key employees of the plan year that holds the determination date
determination_keys as (
    select
        replication_id,
        employee_id
    from classified
    where
        simulation_year = {{ determination_year }}
        and key_employee_reason is not null
),

-- §416(g)(4)(B): key in an earlier simulated plan year, not in the one holding the determination date
former_keys as (
    select distinct
        classified.replication_id,
        classified.employee_id
    from classified
    left join determination_keys
        on
            classified.replication_id = determination_keys.replication_id
            and classified.employee_id = determination_keys.employee_id
    where
        classified.simulation_year < {{ determination_year }}
        and classified.key_employee_reason is not null
        and determination_keys.employee_id is null
),

balances_summed as (
    select
        determination_balances.replication_id,
        count(determination_keys.employee_id) as key_employees,
        count(former_keys.employee_id) as former_key_employees,
        cast(round(coalesce(sum(case
            when determination_keys.employee_id is not null then determination_balances.balance_amount
        end), 0) * 100) as {{ type_hugeint() }}) as key_balance_cents,
        cast(round(coalesce(sum(case
            when former_keys.employee_id is null then determination_balances.balance_amount
        end), 0) * 100) as {{ type_hugeint() }}) as total_balance_cents,
        cast(round(coalesce(sum(case
            when former_keys.employee_id is not null then determination_balances.balance_amount
        end), 0) * 100) as {{ type_hugeint() }}) as former_key_balance_cents
    from determination_balances
    left join determination_keys
        on
            determination_balances.replication_id = determination_keys.replication_id
            and determination_balances.employee_id = determination_keys.employee_id
    left join former_keys
        on
            determination_balances.replication_id = former_keys.replication_id
            and determination_balances.employee_id = former_keys.employee_id
    group by determination_balances.replication_id
),

-- the year's highest key-employee rate, catch-up left out (IRC §414(v)(3)(B))
key_rates as (
    select
        classified.replication_id,
        max({{ ratio_half_up(
            'contributions.employee_contribution - contributions.catch_up_contribution'
            ~ ' + contributions.employer_match + contributions.employer_core',
            'contributions.plan_compensation') }}) as highest_key_rate_units
    from classified
    inner join contributions
        on
            classified.replication_id = contributions.replication_id
            and classified.employee_id = contributions.employee_id
    where
        classified.simulation_year = {{ year }}
        and classified.key_employee_reason is not null
    group by classified.replication_id
),

determined as (
    select
        replications.replication_id,
        {{ ratio_half_up(
            'coalesce(balances_summed.key_balance_cents, 0)', 'coalesce(balances_summed.total_balance_cents, 0)',
            scale=1, places=6) }} as key_share_units,
        coalesce(balances_summed.key_employees, 0) as key_employees,
        coalesce(balances_summed.key_balance_cents, 0) as key_balance_cents,
        coalesce(balances_summed.total_balance_cents, 0) as total_balance_cents,
        coalesce(balances_summed.former_key_employees, 0) as former_key_employees,
        coalesce(balances_summed.former_key_balance_cents, 0) as former_key_balance_cents,
        coalesce(balances_summed.key_balance_cents, 0) * 100
        > {{ threshold_percent }} * coalesce(balances_summed.total_balance_cents, 0) as is_above_threshold,
        key_rates.highest_key_rate_units,
        plan_design.safe_harbor,
        plan_design.safe_harbor <> 'none'
        and (
            plan_design.match_formula_id = 'none'
            or {{ safe_harbor_match_acp_exempt('plan_design.safe_harbor', 'match_tiers.match_deferral_ceiling') }}
        )
        and (plan_design.core_formula_id = 'none' or plan_design.safe_harbor = 'nonelective_3') as is_exempt,
        concat('safe harbor ', plan_design.safe_harbor, ' only: exempt, IRC §416(g)(4)(H)') as exempt_reason
    from replications
    left join balances_summed
        on replications.replication_id = balances_summed.replication_id
    left join key_rates
        on replications.replication_id = key_rates.replication_id
    cross join plan_design
    cross join match_tiers
),

final as (
    select
        cast('{{ var("scenario_id") }}' as {{ dbt.type_string() }}) as scenario_id,
        cast('{{ var("plan_design_id") }}' as {{ dbt.type_string() }}) as plan_design_id,
        cast(determined.replication_id as integer) as replication_id,
        cast({{ year }} as integer) as simulation_year,
        cast({{ year_end_date(year - 1) }} as date) as determination_date,
        cast('{{ "census_opening_balances" if is_first_year else "prior_year_snapshot" }}' as {{ dbt.type_string() }})
            as balance_source,
        cast(determined.key_employees as integer) as key_employees,
        cast(cast(determined.key_balance_cents as decimal(38, 0)) / 100 as decimal(18, 2)) as key_balance_amount,
        cast(cast(determined.total_balance_cents as decimal(38, 0)) / 100 as decimal(18, 2)) as total_balance_amount,
        cast(determined.former_key_employees as integer) as former_key_employees,
        cast(cast(determined.former_key_balance_cents as decimal(38, 0)) / 100 as decimal(18, 2))
            as former_key_balance_amount,
        cast(
            cast(determined.key_share_units as decimal(18, 0)) * cast(0.000001 as decimal(7, 6)) as decimal(10, 6)
        ) as key_balance_share,
        cast(0.60 as decimal(10, 6)) as top_heavy_threshold,
        cast(determined.is_above_threshold as boolean) as is_above_threshold,
        cast(determined.is_exempt as boolean) as is_exempt,
        cast(case
            when determined.is_exempt then determined.exempt_reason
        end as {{ dbt.type_string() }}) as exempt_reason,
        cast(determined.is_above_threshold and not determined.is_exempt as boolean) as is_top_heavy,
        cast(
            cast(determined.highest_key_rate_units as decimal(18, 0)) * cast(0.0001 as decimal(5, 4))
            as decimal(10, 4)
        ) as highest_key_rate,
        cast(
            cast(case
                when determined.is_above_threshold and not determined.is_exempt
                    then least({{ minimum_rate_units }}, coalesce(determined.highest_key_rate_units, 0))
                else 0
            end as decimal(18, 0)) * cast(0.0001 as decimal(5, 4)) as decimal(10, 4)
        ) as minimum_contribution_rate,
        cast('{{ run_stamp_id() }}' as {{ dbt.type_string() }}) as run_id,
        cast({{ dbt.current_timestamp() }} as timestamp) as created_at
    from determined
)

select * from final
