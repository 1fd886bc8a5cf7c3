{#-
    Who is who in each plan year, and what each employee brings to the nondiscrimination tests, per
    (scenario_id, plan_design_id, replication_id, simulation_year, employee_id): everyone employed at any
    time in the year (the rows of fct_workforce_snapshot).
    - HCE (IRC §414(q)): a 5% owner, or look-back-year compensation above the look-back year's threshold
      (and, when the design elects the top-paid group, among the top 20% of that year's employees by pay).
      The look-back year is the prior plan year: its snapshot's prorated pay; for the start year the census
      (prior_year_compensation when given, else the census pay rate); nothing for someone not employed then.
    - Key employee (IRC §416(i)(1)): an officer paid above the year's key-employee threshold, a 5% owner, or
      a 1% owner paid above $150,000.
    - ADP / ACP inputs (Treas. Reg. §1.401(k)-2, §1.401(m)-2): the testing compensation the design names, the
      deferrals without catch-up, the match, and each ratio to the nearest hundredth of a percent; 0 for an
      eligible employee who put nothing in.
    - Coverage (IRC §410(b)): per source, whether the employee counts and whether they benefit.
-#}
{{ config(
    materialized='year_append',
    pre_hook="{{ year_scoped_delete() }}",
    contract={'enforced': true}
) }}
{%- set year = sim_year() -%}
{%- set is_first_year = (year == var('start_year') | int) -%}
{%- set lookback_year = year - 1 -%}
{#- IRC §416(i)(1)(A)(iii): a 1% owner is a key employee with pay above $150,000 (not indexed) -#}
{%- set one_percent_owner_pay = 150000 -%}

-- the year's people and contributions come from the year's plan models, not from fct_workforce_snapshot: the
-- corrections of a failed test (fct_nondiscrimination_corrections) read this model and feed the year's balances,
-- so it sits before the snapshot; the values and their types are the snapshot's (same casts)
with

workforce as (
    select
        replication_id,
        employee_id,
        employee_source,
        employment_status,
        hire_date,
        termination_date,
        cast(prorated_compensation as decimal(18, 2)) as prorated_compensation,
        cast(hours_per_week as {{ type_double() }}) as hours_per_week
    from {{ ref('int_workforce_year_folded') }}
),

participation as (
    select
        replication_id,
        employee_id,
        cast(is_eligible as boolean) as is_plan_eligible
    from {{ ref('int_plan_participation_resolved') }}
),

contributions as (
    select
        replication_id,
        employee_id,
        cast(plan_compensation as decimal(18, 2)) as plan_compensation_amount,
        cast(core_compensation as decimal(18, 2)) as core_compensation_amount,
        cast(employee_contribution as decimal(18, 2)) as employee_contribution_amount,
        cast(catch_up_contribution as decimal(18, 2)) as catch_up_contribution_amount,
        cast(employer_match as decimal(18, 2)) as employer_match_amount,
        cast(is_match_eligible as boolean) as is_match_eligible,
        cast(is_core_eligible as boolean) as is_core_eligible
    from {{ ref('int_annual_additions_limited') }}
),

snapshot as (
    select
        workforce.*,
        participation.is_plan_eligible,
        contributions.plan_compensation_amount,
        contributions.core_compensation_amount,
        contributions.employee_contribution_amount,
        contributions.catch_up_contribution_amount,
        contributions.employer_match_amount,
        contributions.is_match_eligible,
        contributions.is_core_eligible
    from workforce
    inner join participation
        on
            workforce.replication_id = participation.replication_id
            and workforce.employee_id = participation.employee_id
    inner join contributions
        on
            workforce.replication_id = contributions.replication_id
            and workforce.employee_id = contributions.employee_id
),

census as (
    select
        employee_id,
        birth_date,
        hire_date,
        annual_compensation,
        hours_per_week,
        ownership_pct,
        is_officer,
        prior_year_compensation
    from {{ ref('stg_census__employees') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
),

plan_design as (
    select
        match_formula_id,
        core_formula_id,
        ndt_compensation,
        hce_top_paid_group
    from {{ ref('int_plan_design_selected') }}
),

limits as (
    {{ resolved_irs_limits(year) }}
),

lookback_limits as (
    {{ resolved_irs_limits(lookback_year, earliest_before_first=true) }}
),

{% if is_first_year %}

    replications as (
        {{ replication_ids() }}
    ),

    lookback as (
        select
            replications.replication_id,
            census.employee_id,
            coalesce(census.prior_year_compensation, census.annual_compensation) as lookback_compensation,
            case
                when census.prior_year_compensation is not null then 'census_prior_year_compensation'
                else 'census_annual_compensation'
            end as lookback_source,
            census.birth_date,
            census.hire_date,
            census.hours_per_week
        from census
        cross join replications
    ),

{% else %}

    lookback as (
        select
            prior.replication_id,
            prior.employee_id,
            prior.prorated_compensation as lookback_compensation,
            'prior_year_snapshot' as lookback_source,
            prior.birth_date,
            prior.hire_date,
            prior.hours_per_week
        from {{ prior_snapshot_relation(year) }} as prior
        where
            prior.scenario_id = '{{ var("scenario_id") }}'
            and prior.plan_design_id = '{{ var("plan_design_id") }}'
            and prior.simulation_year = {{ lookback_year }}
            and {{ replication_filter('prior.replication_id') }}
    ),

{% endif %}

-- the top-paid group of the look-back year, when elected (Treas. Reg. §1.414(q)-1T A-9): its size is 20% of the year's
-- employees, leaving out those under 21 at Dec 31, hired after Jul 1 (under 6 months of service) or
-- normally working under 17.5 hours a week; its members are the best paid of all, ties by employee id
top_paid_counted as (
    select
        lookback.replication_id,
        count(*) as counted_employees
    from lookback
    cross join plan_design
    where
        plan_design.hce_top_paid_group
        and lookback.birth_date <= date '{{ lookback_year - 21 }}-12-31'
        and lookback.hire_date <= date '{{ lookback_year }}-07-01'
        and lookback.hours_per_week >= 17.5
    group by lookback.replication_id
),

top_paid_ranked as (
    select
        lookback.replication_id,
        lookback.employee_id,
        row_number() over (
            partition by lookback.replication_id
            order by lookback.lookback_compensation desc, lookback.employee_id asc
        ) as pay_rank
    from lookback
    cross join plan_design
    -- ranked only when the design elects the group (it is most of this model's cost otherwise)
    where plan_design.hce_top_paid_group
),

top_paid_group as (
    select
        top_paid_ranked.replication_id,
        top_paid_ranked.employee_id
    from top_paid_ranked
    inner join top_paid_counted
        on top_paid_ranked.replication_id = top_paid_counted.replication_id
    where top_paid_ranked.pay_rank <= {{ round_half_up('top_paid_counted.counted_employees * 0.2') }}
),

people as (
    select
        snapshot.*,
        coalesce(lookback.lookback_compensation, 0) as lookback_compensation,
        coalesce(lookback.lookback_source, 'not_employed_in_lookback_year') as lookback_source,
        top_paid_group.employee_id is not null as is_top_paid_group,
        coalesce(census.ownership_pct, 0) as ownership_pct,
        coalesce(census.is_officer, false) as is_officer,
        -- hours worked in the year, as the plan counts them (hours per week x days employed / 7)
        {{ round_half_up(
            'snapshot.hours_per_week * (' ~ days_from('greatest(snapshot.hire_date, ' ~ year_start_date(year) ~ ')',
                'coalesce(snapshot.termination_date, ' ~ year_end_date(year) ~ ')') ~ ' + 1) / 7.0'
        ) }} as annual_hours
    from snapshot
    left join lookback
        on
            snapshot.replication_id = lookback.replication_id
            and snapshot.employee_id = lookback.employee_id
    left join top_paid_group
        on
            snapshot.replication_id = top_paid_group.replication_id
            and snapshot.employee_id = top_paid_group.employee_id
    left join census
        on
            snapshot.employee_id = census.employee_id
            and snapshot.employee_source = 'census'
),

classified as (
    select
        people.*,
        limits.key_employee_compensation_threshold,
        lookback_limits.hce_compensation_threshold,
        lookback_limits.published_year as hce_threshold_published_year,
        plan_design.hce_top_paid_group,
        people.ownership_pct > 0.05 as is_five_percent_owner,
        people.lookback_compensation > lookback_limits.hce_compensation_threshold
        and (people.is_top_paid_group or not plan_design.hce_top_paid_group) as is_hce_by_compensation,
        case plan_design.ndt_compensation
            when 'plan_year' then people.plan_compensation_amount
            else people.core_compensation_amount
        end as testing_compensation,
        plan_design.ndt_compensation,
        plan_design.match_formula_id <> 'none' as has_match,
        plan_design.core_formula_id <> 'none' as has_core
    from people
    cross join limits
    cross join lookback_limits
    cross join plan_design
),

final as (
    select
        cast('{{ var("scenario_id") }}' as {{ dbt.type_string() }}) as scenario_id,
        cast('{{ var("plan_design_id") }}' as {{ dbt.type_string() }}) as plan_design_id,
        cast(classified.replication_id as integer) as replication_id,
        cast({{ year }} as integer) as simulation_year,
        cast(classified.employee_id as {{ dbt.type_string() }}) as employee_id,
        cast(classified.employment_status as {{ dbt.type_string() }}) as employment_status,
        cast({{ lookback_year }} as integer) as lookback_year,
        cast(classified.lookback_compensation as decimal(18, 2)) as lookback_compensation,
        cast(classified.lookback_source as {{ dbt.type_string() }}) as lookback_source,
        cast(classified.hce_compensation_threshold as decimal(18, 2)) as hce_compensation_threshold,
        cast(classified.hce_threshold_published_year as integer) as hce_threshold_published_year,
        cast(classified.hce_top_paid_group as boolean) as is_top_paid_group_elected,
        cast(classified.is_top_paid_group as boolean) as is_top_paid_group,
        cast(classified.ownership_pct as decimal(10, 6)) as ownership_pct,
        cast(classified.is_officer as boolean) as is_officer,
        cast(classified.is_five_percent_owner as boolean) as is_five_percent_owner,
        cast(classified.is_five_percent_owner or classified.is_hce_by_compensation as boolean) as is_hce,
        cast(case
            when classified.is_five_percent_owner then 'five_percent_owner'
            when classified.is_hce_by_compensation and classified.hce_top_paid_group
                then 'lookback_compensation_top_paid_group'
            when classified.is_hce_by_compensation then 'lookback_compensation'
        end as {{ dbt.type_string() }}) as hce_reason,
        cast(classified.key_employee_compensation_threshold as decimal(18, 2)) as key_employee_compensation_threshold,
        cast(case
            when classified.is_five_percent_owner then 'five_percent_owner'
            when classified.is_officer and classified.prorated_compensation > classified.key_employee_compensation_threshold
                then 'officer'
            when classified.ownership_pct > 0.01 and classified.prorated_compensation > {{ one_percent_owner_pay }}
                then 'one_percent_owner'
        end as {{ dbt.type_string() }}) as key_employee_reason,
        cast(classified.prorated_compensation as decimal(18, 2)) as plan_year_compensation,
        cast(classified.ndt_compensation as {{ dbt.type_string() }}) as compensation_basis,
        cast(classified.testing_compensation as decimal(18, 2)) as testing_compensation,
        cast(classified.annual_hours as integer) as annual_hours,
        cast(classified.is_plan_eligible as boolean) as is_adp_eligible,
        cast(classified.employee_contribution_amount - classified.catch_up_contribution_amount as decimal(18, 2))
            as adp_deferral_amount,
        {{ ratio_as_decimal(
            'classified.is_plan_eligible',
            'classified.employee_contribution_amount - classified.catch_up_contribution_amount',
            'classified.testing_compensation') }} as actual_deferral_ratio,
        cast(classified.is_plan_eligible and classified.has_match as boolean) as is_acp_eligible,
        cast(classified.employer_match_amount as decimal(18, 2)) as acp_match_amount,
        {{ ratio_as_decimal(
            'classified.is_plan_eligible and classified.has_match',
            'classified.employer_match_amount', 'classified.testing_compensation') }} as actual_contribution_ratio,
        -- coverage (§410(b)): the plan's eligibility conditions exclude; a leaver with 500 hours or fewer
        -- who gets no allocation because of a last-day or hours condition is excluded too (§1.410(b)-6(f))
        cast(classified.is_plan_eligible as boolean) as is_deferral_benefiting,
        {% for source in ['match', 'core'] -%}
            cast(
                classified.has_{{ source }} and classified.is_plan_eligible
                and (
                    coalesce(classified.is_{{ source }}_eligible, false)
                    or classified.employment_status = 'active' or classified.annual_hours > 500
                ) as boolean
            ) as is_{{ source }}_coverage_counted,
            cast(
                classified.has_{{ source }} and classified.is_plan_eligible
                and coalesce(classified.is_{{ source }}_eligible, false) as boolean
            ) as is_{{ source }}_benefiting,
        {% endfor -%}
        cast('{{ run_stamp_id() }}' as {{ dbt.type_string() }}) as run_id,
        cast({{ dbt.current_timestamp() }} as timestamp) as created_at
    from classified
)

select * from final
