{#-
    The time machine: the workforce on date D of year Y, one row per employee employed at any
    time from Jan 1 of Y to D, rebuilt from the staged census and the event store alone: every
    event of the run dated on or before D (hires, terminations, raises and promotions,
    enrollments, opt-outs, deferral escalations) folded into the census. The snapshot is not
    read back for any of these columns; only the balances come from it, those of the last
    year end (Y-1; in the start year the census's opening balances, zero without them), since
    investment returns are not events. On Dec 31
    this equals the year's snapshot row for row. `planalign workforce-at --date D` (make
    workforce-at) runs this file with its parameters bound. A census row without a level gets
    it from the job levels the run used (dim_assumptions), as int_workforce_start_of_year did.
-#}
with

settings as (
    select
        cast({{ report_param('scenario_id', 'baseline') }} as varchar) as scenario_id,
        cast({{ report_param('plan_design_id', 'baseline') }} as varchar) as plan_design_id,
        cast({{ report_param('replication_id', 0) }} as integer) as replication_id,
        cast({{ report_param('as_of_date', '2026-06-30') }} as date) as as_of_date
),

snapshots as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        employment_status,
        hire_date,
        job_level,
        annual_compensation,
        deferral_rate,
        enrollment_status,
        employee_balance_amount,
        match_balance_amount,
        core_balance_amount,
        total_balance_amount
    from {{ ref('fct_workforce_snapshot') }}
),

census as (
    select
        scenario_id,
        plan_design_id,
        employee_id,
        hire_date,
        annual_compensation,
        job_level,
        deferral_rate,
        enrollment_date,
        employee_balance_amount,
        match_balance_amount,
        core_balance_amount
    from {{ ref('stg_census__employees') }}
),

level_rows as (
    select
        unnest(from_json(
            dim_assumptions.rows_json, '[{"job_level": "INTEGER", "min_compensation": "DECIMAL(18,2)"}]'
        ), recursive := true)
    from {{ ref('dim_assumptions') }} as dim_assumptions
    inner join settings
        on
            dim_assumptions.scenario_id = settings.scenario_id
            and dim_assumptions.plan_design_id = settings.plan_design_id
            and dim_assumptions.replication_set
            = case when settings.replication_id = 0 then 'single' else 'monte_carlo' end
    where dim_assumptions.table_name = 'job_levels'
),

job_levels as (
    select
        level_rows.job_level,
        level_rows.min_compensation
    from level_rows
),

year_events as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        event_type,
        effective_date,
        event_sequence,
        compensation_after,
        job_level_after,
        deferral_rate_after
    from {{ ref('fct_yearly_events') }}
),

run_snapshots as (
    select snapshots.*
    from snapshots
    inner join settings
        on
            snapshots.scenario_id = settings.scenario_id
            and snapshots.plan_design_id = settings.plan_design_id
            and snapshots.replication_id = settings.replication_id
),

census_levels_derived as (
    select
        census.employee_id,
        max(job_levels.job_level) as derived_job_level
    from census
    inner join settings
        on
            census.scenario_id = settings.scenario_id
            and census.plan_design_id = settings.plan_design_id
    inner join job_levels
        on census.annual_compensation >= job_levels.min_compensation
    where census.job_level is null
    group by census.employee_id
),

census_start as (
    select
        census.employee_id,
        census.hire_date,
        coalesce(census.job_level, census_levels_derived.derived_job_level, 1) as job_level,
        census.annual_compensation,
        census.deferral_rate,
        case
            when census.deferral_rate > 0 then 'enrolled'
            when census.enrollment_date is not null then 'opted_out'
            else 'not_enrolled'
        end as enrollment_status
    from census
    inner join settings
        on
            census.scenario_id = settings.scenario_id
            and census.plan_design_id = settings.plan_design_id
    left join census_levels_derived
        on census.employee_id = census_levels_derived.employee_id
),

run_start as (
    select min(run_snapshots.simulation_year) as start_year
    from run_snapshots
),

prior_year_end_balances as (
    select
        run_snapshots.employee_id,
        run_snapshots.employee_balance_amount,
        run_snapshots.match_balance_amount,
        run_snapshots.core_balance_amount,
        run_snapshots.total_balance_amount
    from run_snapshots
    inner join settings
        on run_snapshots.simulation_year = year(settings.as_of_date) - 1
    union all
    -- the start year begins from the census's opening balances
    select
        census.employee_id,
        census.employee_balance_amount,
        census.match_balance_amount,
        census.core_balance_amount,
        census.employee_balance_amount + census.match_balance_amount + census.core_balance_amount
            as total_balance_amount
    from census
    inner join settings
        on
            census.scenario_id = settings.scenario_id
            and census.plan_design_id = settings.plan_design_id
    inner join run_start
        on year(settings.as_of_date) = run_start.start_year
),

events_to_date as (
    select year_events.*
    from year_events
    inner join settings
        on
            year_events.scenario_id = settings.scenario_id
            and year_events.plan_design_id = settings.plan_design_id
            and year_events.replication_id = settings.replication_id
            and year_events.simulation_year <= year(settings.as_of_date)
            and year_events.effective_date <= settings.as_of_date
),

hires as (
    select
        events_to_date.employee_id,
        events_to_date.effective_date as hire_date,
        events_to_date.job_level_after as job_level,
        events_to_date.compensation_after as annual_compensation,
        cast(null as decimal(10, 6)) as deferral_rate,
        'not_enrolled' as enrollment_status
    from events_to_date
    where events_to_date.event_type = 'hire'
),

start_state as (
    select * from census_start
    union all
    select * from hires
),

latest_pay as (
    select
        events_to_date.employee_id,
        events_to_date.compensation_after,
        events_to_date.job_level_after
    from events_to_date
    where events_to_date.event_type in ('raise', 'promotion')
    qualify row_number() over (
        partition by events_to_date.employee_id
        order by events_to_date.effective_date desc, events_to_date.event_sequence desc
    ) = 1
),

latest_deferral as (
    select
        events_to_date.employee_id,
        events_to_date.deferral_rate_after,
        case events_to_date.event_type
            when 'opt_out' then 'opted_out'
            else 'enrolled'
        end as enrollment_status
    from events_to_date
    where events_to_date.event_type in ('enrollment', 'opt_out', 'deferral_escalation', 'deferral_change')
    qualify row_number() over (
        partition by events_to_date.employee_id
        order by events_to_date.effective_date desc, events_to_date.event_sequence desc
    ) = 1
),

terminations as (
    select
        events_to_date.employee_id,
        min(events_to_date.effective_date) as termination_date
    from events_to_date
    where events_to_date.event_type = 'termination'
    group by events_to_date.employee_id
),

final as (
    select
        settings.scenario_id,
        settings.plan_design_id,
        settings.replication_id,
        settings.as_of_date,
        start_state.employee_id,
        case when terminations.employee_id is null then 'active' else 'terminated' end as employment_status,
        start_state.hire_date,
        terminations.termination_date,
        cast(coalesce(latest_pay.job_level_after, start_state.job_level) as integer) as job_level,
        cast(coalesce(latest_pay.compensation_after, start_state.annual_compensation) as decimal(18, 2))
            as annual_compensation,
        cast(round(coalesce(latest_deferral.deferral_rate_after, start_state.deferral_rate), 6) as decimal(10, 6))
            as deferral_rate,
        coalesce(latest_deferral.enrollment_status, start_state.enrollment_status) as enrollment_status,
        cast(coalesce(prior_year_end_balances.employee_balance_amount, 0) as decimal(18, 2))
            as prior_year_end_employee_balance_amount,
        cast(coalesce(prior_year_end_balances.match_balance_amount, 0) as decimal(18, 2))
            as prior_year_end_match_balance_amount,
        cast(coalesce(prior_year_end_balances.core_balance_amount, 0) as decimal(18, 2))
            as prior_year_end_core_balance_amount,
        cast(coalesce(prior_year_end_balances.total_balance_amount, 0) as decimal(18, 2))
            as prior_year_end_total_balance_amount
    from start_state
    cross join settings
    left join latest_pay
        on start_state.employee_id = latest_pay.employee_id
    left join latest_deferral
        on start_state.employee_id = latest_deferral.employee_id
    left join terminations
        on start_state.employee_id = terminations.employee_id
    left join prior_year_end_balances
        on start_state.employee_id = prior_year_end_balances.employee_id
    -- employed at some time from Jan 1 of the date's year: nobody who left in an earlier year
    where coalesce(year(terminations.termination_date), year(settings.as_of_date)) = year(settings.as_of_date)
)

select * from final
order by employee_id
