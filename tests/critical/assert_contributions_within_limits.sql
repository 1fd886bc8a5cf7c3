{#-
    No contribution above its limit for its year: plan compensation within 401(a)(17);
    deferrals within 402(g) plus the catch-up of the age reached by Dec 31 (super
    catch-up at 60-63 when the year has one); annual additions without catch-up within
    415(c) and 100% of pay; the match within the plan's cap; pre-tax + Roth = the deferral,
    the Roth catch-up within the catch-up, all of it under the Roth catch-up rule (IRC
    414(v)(7)), and no catch-up under that rule in a design without Roth. Returns the offenders.
    Checks the scenario and plan design named by the vars, against the design they
    run with (the int_*_selected models).
-#}
{{ config(tags=['critical']) }}

with

snapshot as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        birth_date,
        prorated_compensation,
        plan_compensation_amount,
        deferral_compensation_amount,
        employee_contribution_amount,
        catch_up_contribution_amount,
        pre_tax_contribution_amount,
        roth_contribution_amount,
        roth_catch_up_contribution_amount,
        is_roth_catch_up_required,
        employer_match_amount,
        employer_core_amount
    from {{ ref('fct_workforce_snapshot') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        and {{ test_scope() }}
),

limits as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        elective_deferral_limit,
        catch_up_limit,
        super_catch_up_limit,
        annual_additions_limit,
        compensation_limit
    from {{ ref('fct_irs_limits') }}
    where {{ test_scope() }}
),

plan_designs as (
    select
        plan_design_id,
        match_cap_rate,
        roth_available
    from {{ ref('int_plan_design_selected') }}
),

checked as (
    select
        snapshot.*,
        limits.compensation_limit,
        limits.elective_deferral_limit + case
            when
                snapshot.simulation_year - extract(year from snapshot.birth_date) between 60 and 63
                and limits.super_catch_up_limit is not null then limits.super_catch_up_limit
            when snapshot.simulation_year - extract(year from snapshot.birth_date) >= 50 then limits.catch_up_limit
            else 0
        end as deferral_limit,
        least(limits.annual_additions_limit, snapshot.prorated_compensation) as annual_additions_cap,
        snapshot.employee_contribution_amount - snapshot.catch_up_contribution_amount
        + snapshot.employer_match_amount + snapshot.employer_core_amount as annual_additions,
        plan_designs.match_cap_rate * snapshot.deferral_compensation_amount as match_cap,
        plan_designs.roth_available
    from snapshot
    left join limits
        on
            snapshot.scenario_id = limits.scenario_id
            and snapshot.plan_design_id = limits.plan_design_id
            and snapshot.replication_id = limits.replication_id
            and snapshot.simulation_year = limits.simulation_year
    left join plan_designs
        on snapshot.plan_design_id = plan_designs.plan_design_id
)

select checked.*
from checked
where
    checked.compensation_limit is null
    or checked.plan_compensation_amount > checked.compensation_limit
    or checked.deferral_compensation_amount > checked.compensation_limit
    or checked.employee_contribution_amount > checked.deferral_limit
    or checked.annual_additions > checked.annual_additions_cap
    or checked.employer_match_amount > round(checked.match_cap, 2)
    or checked.pre_tax_contribution_amount + checked.roth_contribution_amount <> checked.employee_contribution_amount
    or checked.roth_catch_up_contribution_amount > checked.catch_up_contribution_amount
    or checked.roth_catch_up_contribution_amount > checked.roth_contribution_amount
    or (
        checked.is_roth_catch_up_required
        and checked.roth_catch_up_contribution_amount <> checked.catch_up_contribution_amount
    )
    or (checked.is_roth_catch_up_required and not checked.roth_available and checked.catch_up_contribution_amount > 0)
