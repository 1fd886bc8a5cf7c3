{#-
    The corrections of a failed ADP or ACP test, per (scenario_id, plan_design_id, replication_id, simulation_year,
    test_name, employee_id), one row for every employee the correction touches: both corrections are always
    computed, and is_applied says which one the design's ndt_correction carries into the year's events and balances.
    - Refund (Treas. Reg. §1.401(k)-2(b)(2), §1.401(m)-2(b)(2)). First leveling: the highest HCE ratios are cut to
      one level L, the lowest that keeps the HCE average within the test's limit (in whole hundredths of a percent,
      from rpt_nondiscrimination); the HCE's excess at that level is deferrals (match) - L x testing pay. Their sum,
      to the cent, is the total excess. Second leveling: the total is taken from the highest HCE dollar amounts
      down to one dollar level, ties by employee id; the shares are rounded down to the cent and the cents left go
      one each to the largest remainders, so the parts add up to the total exactly.
    - ADP: an HCE old enough for catch-up keeps as catch-up the part of the excess within the unused catch-up limit
      of the year (IRC §414(v), Treas. Reg. §1.414(v)-1(d)(2)(iii)); the rest is distributed.
    - ACP: the excess match is distributed in its vested share and the unvested part is forfeited.
    - QNEC (Treas. Reg. §1.401(k)-2(a)(6), §1.401(m)-2(a)(6)): one percent of testing pay for every NHCE in the test,
      the smallest in hundredths of a percent that lifts the NHCE average to what the HCE average needs; each
      amount rounded up to the cent so that no NHCE's ratio rounds below the intended one. Under prior-year testing
      this year's QNEC cannot raise the NHCE average the test uses (last year's): no QNEC is computed.
-#}
{{ config(
    materialized='year_append',
    pre_hook="{{ year_scoped_delete() }}",
    contract={'enforced': true}
) }}
{%- set year = sim_year() -%}

{%- set ctes = [] -%}

{%- call cte_step(ctes, 'employees') %}
    select
        replication_id,
        employee_id,
        is_hce,
        testing_compensation,
        adp_deferral_amount,
        actual_deferral_ratio,
        acp_match_amount,
        actual_contribution_ratio
    from {{ ref('fct_nondiscrimination_employees') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        and simulation_year = {{ year }}
        and {{ replication_filter() }}
{%- endcall %}

{#- the failed tests of the year, with the limit in whole hundredths of a percent and the NHCE average needed #}
{%- call cte_step(ctes, 'failed') %}
    select
        replication_id,
        test_name,
        testing_method,
        cast(floor(test_limit * 10000) as bigint) as limit_units,
        cast(round(nhce_average * 10000) as bigint) as nhce_units,
        cast(round(nhce_average_needed * 10000) as bigint) as needed_units
    from {{ ref('rpt_nondiscrimination') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        and simulation_year = {{ year }}
        and {{ replication_filter() }}
        and test_name in ('adp', 'acp')
        and result = 'fail'
{%- endcall %}

{#- every employee in a failed test, once per test, with the ratio and the dollars the test counts #}
{%- call cte_step(ctes, 'tested') %}
    {% for test, ratio, amount in [
        ('adp', 'actual_deferral_ratio', 'adp_deferral_amount'),
        ('acp', 'actual_contribution_ratio', 'acp_match_amount'),
    ] -%}
        select
            employees.replication_id,
            employees.employee_id,
            failed.test_name,
            failed.testing_method,
            failed.limit_units,
            failed.nhce_units,
            failed.needed_units,
            employees.is_hce,
            employees.testing_compensation,
            employees.{{ ratio }} as test_ratio,
            employees.{{ amount }} as test_amount
        from employees
        inner join failed
            on employees.replication_id = failed.replication_id
        where failed.test_name = '{{ test }}' and employees.{{ ratio }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
{%- endcall %}

{#- first leveling (macros/compliance/leveling.sql): HCEs by ratio, the top ones cut to the level L that keeps the #}
{#- HCE average at the limit: the ratios add up to the limit x the HCEs #}
{%- call cte_step(ctes, 'hce_by_ratio') %}
    select
        tested.*,
        count(*) over (partition by tested.replication_id, tested.test_name) as hce_count,
        {{ leveling_ranks('tested', 'test_ratio') }}
    from tested
    where tested.is_hce
{%- endcall %}

{%- call cte_step(ctes, 'ratio_levels') %}
    {{ leveling_level('hce_by_ratio', 'limit_units * 0.0001 * hce_count') }}
{%- endcall %}

{%- call cte_step(ctes, 'hce_excess') %}
    select
        hce_by_ratio.*,
        ratio_levels.level as ratio_level,
        case
            when hce_by_ratio.test_ratio > ratio_levels.level
                then greatest(
                    cast(hce_by_ratio.test_amount as {{ type_double() }})
                    - ratio_levels.level * cast(hce_by_ratio.testing_compensation as {{ type_double() }}), 0
                )
            else 0
        end as ratio_excess
    from hce_by_ratio
    inner join ratio_levels
        on
            hce_by_ratio.replication_id = ratio_levels.replication_id
            and hce_by_ratio.test_name = ratio_levels.test_name
{%- endcall %}

{%- call cte_step(ctes, 'excess_totals') %}
    select
        replication_id,
        test_name,
        cast(round(sum(ratio_excess), 2) as decimal(18, 2)) as excess_total
    from hce_excess
    group by replication_id, test_name
{%- endcall %}

{#- second leveling: HCEs by dollars, the top ones cut to one dollar level D so that the total excess comes off: #}
{#- the dollars add up to their total - the excess #}
{%- call cte_step(ctes, 'hce_by_amount') %}
    select
        {{ star_except('hce_excess', ['level_rank', 'level_total', 'level_cumulative', 'level_next']) }},
        excess_totals.excess_total,
        {{ leveling_ranks('hce_excess', 'test_amount') }}
    from hce_excess
    inner join excess_totals
        on
            hce_excess.replication_id = excess_totals.replication_id
            and hce_excess.test_name = excess_totals.test_name
{%- endcall %}

{%- call cte_step(ctes, 'amount_levels') %}
    {{ leveling_level('hce_by_amount', 'level_total - excess_total', where='excess_total > 0') }}
{%- endcall %}

{#- each cut HCE's share in whole cents, rounded down, and its remainder #}
{%- call cte_step(ctes, 'hce_cut') %}
    select
        hce_by_amount.*,
        amount_levels.level as amount_level,
        case
            when hce_by_amount.level_rank <= amount_levels.cut_count
                then cast(hce_by_amount.test_amount as {{ type_double() }}) * 100 - amount_levels.level * 100
            else 0
        end as exact_cents
    from hce_by_amount
    left join amount_levels
        on
            hce_by_amount.replication_id = amount_levels.replication_id
            and hce_by_amount.test_name = amount_levels.test_name
{%- endcall %}

{#- the cents the rounding down left out of the total go one each to the largest remainders (ties by employee id), #}
{#- so the shares add up to the total exactly and each is within a cent of its exact value #}
{%- call cte_step(ctes, 'hce_corrected') %}
    select
        hce_cut.*,
        cast((
            cast(floor(hce_cut.exact_cents) as bigint)
            + case
                when row_number() over (
                    partition by hce_cut.replication_id, hce_cut.test_name
                    order by
                        hce_cut.exact_cents > 0 desc, hce_cut.exact_cents - floor(hce_cut.exact_cents) desc,
                        hce_cut.employee_id asc
                ) <= cast(hce_cut.excess_total * 100 as bigint) - sum(cast(floor(hce_cut.exact_cents) as bigint)) over (
                    partition by hce_cut.replication_id, hce_cut.test_name
                ) and hce_cut.exact_cents > 0 then 1
                else 0
            end
        ) * 0.01 as decimal(18, 2)) as excess_amount
    from hce_cut
{%- endcall %}

{%- call cte_step(ctes, 'plan_design') %}
    select
        vesting_schedule_id,
        ndt_correction
    from {{ ref('int_plan_design_selected') }}
{%- endcall %}

{%- call cte_step(ctes, 'catch_up') %}
    select
        replication_id,
        employee_id,
        cast(deferral_limit - elective_deferral_limit - catch_up_contribution as decimal(18, 2)) as unused_catch_up
    from {{ ref('int_employee_contributions_capped') }}
{%- endcall %}

{%- call cte_step(ctes, 'vesting') %}
    select
        windows.replication_id,
        windows.employee_id,
        coalesce(vested_shares.vested_share, 0) as vested_share
    from {{ ref('int_plan_compensation_windows') }} as windows
    cross join plan_design
    left join {{ ref('int_vested_shares_by_service') }} as vested_shares
        on
            plan_design.vesting_schedule_id = vested_shares.vesting_schedule_id
            and least(windows.service_years, {{ var('max_service_years') }}) = vested_shares.service_years
{%- endcall %}

{%- call cte_step(ctes, 'hce_rows') %}
    select
        hce_corrected.replication_id,
        hce_corrected.employee_id,
        hce_corrected.test_name,
        true as is_hce,
        hce_corrected.test_ratio,
        hce_corrected.ratio_level,
        hce_corrected.excess_amount,
        cast(case
            when hce_corrected.test_name = 'adp'
                then least(hce_corrected.excess_amount, greatest(coalesce(catch_up.unused_catch_up, 0), 0))
            else 0
        end as decimal(18, 2)) as recharacterized_amount,
        cast(case
            when hce_corrected.test_name = 'acp'
                then round(hce_corrected.excess_amount * cast(vesting.vested_share as decimal(10, 6)), 2)
            else hce_corrected.excess_amount - least(
                hce_corrected.excess_amount, greatest(coalesce(catch_up.unused_catch_up, 0), 0)
            )
        end as decimal(18, 2)) as distributed_amount,
        cast(null as decimal(10, 4)) as qnec_rate,
        cast(0 as decimal(18, 2)) as qnec_amount
    from hce_corrected
    left join catch_up
        on
            hce_corrected.replication_id = catch_up.replication_id
            and hce_corrected.employee_id = catch_up.employee_id
    left join vesting
        on
            hce_corrected.replication_id = vesting.replication_id
            and hce_corrected.employee_id = vesting.employee_id
    where hce_corrected.excess_amount > 0
{%- endcall %}

{#- the QNEC: the NHCE average rises by exactly the rate (every ratio by the rate), so the rate is what is missing #}
{%- call cte_step(ctes, 'nhce_rows') %}
    select
        replication_id,
        employee_id,
        test_name,
        false as is_hce,
        test_ratio,
        cast(null as {{ type_double() }}) as ratio_level,
        cast(0 as decimal(18, 2)) as excess_amount,
        cast(0 as decimal(18, 2)) as recharacterized_amount,
        cast(0 as decimal(18, 2)) as distributed_amount,
        cast((needed_units - nhce_units) * 0.0001 as decimal(10, 4)) as qnec_rate,
        -- in whole cents, rounded up: rate units x pay cents / 10,000
        cast(
            {{ int_div('((needed_units - nhce_units) * cast(testing_compensation * 100 as bigint) + 9999)', '10000') }} * 0.01
            as decimal(18, 2)
        ) as qnec_amount
    from tested
    where
        not is_hce
        and testing_method = 'current_year'
        and testing_compensation > 0
{%- endcall %}

{%- call cte_step(ctes, 'corrections') %}
    select * from hce_rows
    union all
    select * from nhce_rows
{%- endcall %}

{%- call cte_step(ctes, 'final') %}
    select
        cast('{{ var("scenario_id") }}' as {{ dbt.type_string() }}) as scenario_id,
        cast('{{ var("plan_design_id") }}' as {{ dbt.type_string() }}) as plan_design_id,
        cast(corrections.replication_id as integer) as replication_id,
        cast({{ year }} as integer) as simulation_year,
        cast(corrections.test_name as {{ dbt.type_string() }}) as test_name,
        cast(corrections.employee_id as {{ dbt.type_string() }}) as employee_id,
        cast(corrections.is_hce as boolean) as is_hce,
        cast(corrections.test_ratio as decimal(10, 4)) as test_ratio,
        cast(corrections.ratio_level as {{ type_double() }}) as leveled_ratio,
        cast(corrections.excess_amount as decimal(18, 2)) as excess_amount,
        cast(corrections.recharacterized_amount as decimal(18, 2)) as recharacterized_amount,
        cast(corrections.distributed_amount as decimal(18, 2)) as distributed_amount,
        cast(
            corrections.excess_amount - corrections.recharacterized_amount - corrections.distributed_amount
            as decimal(18, 2)
        ) as forfeited_amount,
        cast(corrections.qnec_rate as decimal(10, 4)) as qnec_rate,
        cast(corrections.qnec_amount as decimal(18, 2)) as qnec_amount,
        cast(plan_design.ndt_correction as {{ dbt.type_string() }}) as ndt_correction,
        cast(
            (plan_design.ndt_correction = 'refund' and corrections.is_hce)
            or (plan_design.ndt_correction = 'qnec' and not corrections.is_hce) as boolean
        ) as is_applied,
        cast('{{ run_stamp_id() }}' as {{ dbt.type_string() }}) as run_id,
        cast({{ dbt.current_timestamp() }} as timestamp) as created_at
    from corrections
    cross join plan_design
{%- endcall %}

{#- on Spark the steps that later steps read twice are written as tables of their own (macros/ops/staged_ctes.sql) #}
{{ staged_ctes(ctes, ['tested', 'hce_excess', 'hce_by_amount']) }}

select * from final
