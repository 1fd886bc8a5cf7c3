{#-
    Every enrolled employee with a positive deferral rate and pay while enrolled has an
    employee_contribution event; someone enrolled before the year defers on all of the
    year's plan pay; nobody defers on more than their plan pay; and every contribution
    event (employee, match, core) and every correction of a failed ADP/ACP test (qnec,
    corrective_distribution) and every top-heavy minimum carries exactly the amount in the snapshot. Returns the
    mismatches.
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
        enrollment_status,
        enrollment_date,
        deferral_rate,
        plan_compensation_amount,
        deferral_compensation_amount,
        employee_contribution_amount,
        employer_match_amount,
        employer_core_amount,
        qnec_amount,
        corrective_distribution_amount,
        top_heavy_minimum_amount
    from {{ ref('fct_workforce_snapshot') }}
    where {{ test_scope() }}
),

events as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        sum(case when event_type = 'employee_contribution' then amount end) as employee_event_amount,
        sum(case when event_type = 'employer_match' then amount end) as match_event_amount,
        sum(case when event_type = 'employer_core' then amount end) as core_event_amount,
        sum(case when event_type = 'qnec' then amount end) as qnec_event_amount,
        sum(case when event_type = 'corrective_distribution' then amount end) as distribution_event_amount,
        sum(case when event_type = 'top_heavy_minimum' then amount end) as top_heavy_event_amount
    from {{ ref('fct_yearly_events') }}
    where
        event_type in (
            'employee_contribution', 'employer_match', 'employer_core', 'qnec', 'corrective_distribution',
            'top_heavy_minimum'
        )
        and {{ test_scope() }}
    group by scenario_id, plan_design_id, replication_id, simulation_year, employee_id
),

compared as (
    select
        snapshot.*,
        events.employee_event_amount,
        events.match_event_amount,
        events.core_event_amount,
        events.qnec_event_amount,
        events.distribution_event_amount,
        events.top_heavy_event_amount
    from snapshot
    left join events
        on
            snapshot.scenario_id = events.scenario_id
            and snapshot.plan_design_id = events.plan_design_id
            and snapshot.replication_id = events.replication_id
            and snapshot.simulation_year = events.simulation_year
            and snapshot.employee_id = events.employee_id
)

select compared.*
from compared
where
    (
        compared.enrollment_status = 'enrolled'
        and compared.deferral_rate > 0
        and compared.deferral_rate * compared.deferral_compensation_amount >= 0.01
        and coalesce(compared.employee_event_amount, 0) <= 0
    )
    or (
        compared.enrollment_status = 'enrolled'
        and compared.enrollment_date < cast(compared.simulation_year || '-01-01' as date)
        and compared.deferral_compensation_amount <> compared.plan_compensation_amount
    )
    or compared.deferral_compensation_amount > compared.plan_compensation_amount
    or coalesce(compared.employee_event_amount, 0) <> compared.employee_contribution_amount
    or coalesce(compared.match_event_amount, 0) <> compared.employer_match_amount
    or coalesce(compared.core_event_amount, 0) <> compared.employer_core_amount
    or coalesce(compared.qnec_event_amount, 0) <> compared.qnec_amount
    or coalesce(compared.distribution_event_amount, 0) <> compared.corrective_distribution_amount
    or coalesce(compared.top_heavy_event_amount, 0) <> compared.top_heavy_minimum_amount
