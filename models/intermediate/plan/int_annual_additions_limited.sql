{#-
    415(c): employee deferrals (without catch-up) + match + core may not exceed the
    lesser of the annual additions limit and 100% of compensation. An excess comes off
    core first, then match. The year's final contributions per employee.
-#}
with

employee as (
    select
        replication_id,
        employee_id,
        prorated_compensation,
        plan_compensation,
        is_compensation_limited,
        deferral_compensation,
        core_compensation,
        requested_contribution,
        employee_contribution,
        catch_up_contribution,
        deferral_limit,
        is_deferral_limited,
        prior_year_wages,
        is_roth_catch_up_required,
        elected_roth_share,
        pre_tax_contribution,
        roth_contribution,
        roth_catch_up_contribution
    from {{ ref('int_employee_contributions_capped') }}
),

match as (
    select
        replication_id,
        employee_id,
        is_match_eligible,
        employer_match,
        is_match_capped
    from {{ ref('int_employer_match_calculated') }}
),

core as (
    select
        replication_id,
        employee_id,
        is_core_eligible,
        employer_core
    from {{ ref('int_employer_core_calculated') }}
),

limits as (
    select annual_additions_limit from {{ ref('int_irs_limits_resolved') }}
),

excess as (
    select
        employee.*,
        match.is_match_eligible,
        match.is_match_capped,
        match.employer_match as match_before_415,
        core.is_core_eligible,
        core.employer_core as core_before_415,
        least(limits.annual_additions_limit, employee.prorated_compensation) as annual_additions_cap,
        greatest(
            employee.employee_contribution - employee.catch_up_contribution
            + match.employer_match + core.employer_core
            - least(limits.annual_additions_limit, employee.prorated_compensation),
            0
        ) as excess_additions
    from employee
    inner join match
        on
            employee.replication_id = match.replication_id
            and employee.employee_id = match.employee_id
    inner join core
        on
            employee.replication_id = core.replication_id
            and employee.employee_id = core.employee_id
    cross join limits
),

final as (
    select
        excess.*,
        cast(excess.core_before_415 - least(excess.excess_additions, excess.core_before_415) as decimal(18, 2))
            as employer_core,
        cast(excess.match_before_415 - least(
            excess.excess_additions - least(excess.excess_additions, excess.core_before_415),
            excess.match_before_415
        ) as decimal(18, 2)) as employer_match,
        excess.excess_additions > 0 as is_annual_additions_limited
    from excess
)

select * from final
