{#-
    Who is employed on Jan 1 of the simulated year, with age and tenure on that day.
    The start year reads the staged census (deriving a missing job level from the pay
    bands); every later year reads last year's active rows of fct_workforce_snapshot.
    The plan state travels with it: enrollment status and date, deferral rate and the
    balance of each source. A census row with a positive deferral rate is enrolled; a
    zero rate with an enrollment date is an employee who chose not to defer (opted out).
    One row per replication and employee: the start year crosses the census with the
    run's replications; later years read those replications' rows of last year.
-#}
{%- set year = sim_year() -%}
{%- set is_first_year = (year == var('start_year') | int) -%}

with

census as (
    select
        employee_id,
        birth_date,
        hire_date,
        annual_compensation,
        job_level,
        hours_per_week,
        deferral_rate,
        enrollment_date,
        employee_balance_amount,
        match_balance_amount,
        core_balance_amount
    from {{ ref('stg_census__employees') }}
    where
        scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
),

job_levels as (
    select
        job_level,
        {{ census_pay_band('min_compensation') }} as min_compensation
    from {{ assumption('job_levels') }}
),

{% if is_first_year %}

    replications as (
        {{ replication_ids() }}
    ),

    census_levels_derived as (
        select
            census.employee_id,
            max(job_levels.job_level) as derived_job_level
        from census
        inner join job_levels
            on census.annual_compensation >= job_levels.min_compensation
        where census.job_level is null
        group by census.employee_id
    ),

    start_state as (
        select
            replications.replication_id,
            census.employee_id,
            'census' as employee_source,
            census.birth_date,
            census.hire_date,
            coalesce(census.job_level, census_levels_derived.derived_job_level, 1) as job_level,
            census.annual_compensation,
            census.hours_per_week,
            census.deferral_rate,
            census.enrollment_date,
            case
                when census.deferral_rate > 0 then 'enrolled'
                when census.enrollment_date is not null then 'opted_out'
                else 'not_enrolled'
            end as enrollment_status,
            case when census.deferral_rate > 0 or census.enrollment_date is not null then 'census' end
                as enrollment_source,
            -- the census's opening balances (0 when it has none): employer money vests and is forfeited as the
            -- design's schedule says, like the money the simulation adds
            census.employee_balance_amount,
            census.match_balance_amount,
            census.core_balance_amount
        from census
        cross join replications
        left join census_levels_derived
            on census.employee_id = census_levels_derived.employee_id
    ),

{% else %}

prior_year_actives as (
    select
        replication_id,
        employee_id,
        employee_source,
        birth_date,
        hire_date,
        job_level,
        annual_compensation,
        hours_per_week,
        deferral_rate,
        enrollment_date,
        enrollment_status,
        enrollment_source,
        employee_balance_amount,
        match_balance_amount,
        core_balance_amount
    from {{ prior_snapshot_relation(year) }}
    where scenario_id = '{{ var("scenario_id") }}'
        and plan_design_id = '{{ var("plan_design_id") }}'
        and simulation_year = {{ year - 1 }}
        and employment_status = 'active'
        and {{ replication_filter() }}
),

start_state as (
    select * from prior_year_actives
),

{% endif %}

final as (
    select
        '{{ var("scenario_id") }}' as scenario_id,
        '{{ var("plan_design_id") }}' as plan_design_id,
        {{ year }} as simulation_year,
        cast(start_state.replication_id as integer) as replication_id,
        start_state.employee_id,
        start_state.employee_source,
        start_state.birth_date,
        start_state.hire_date,
        start_state.job_level,
        cast(start_state.annual_compensation as decimal(18, 2)) as annual_compensation,
        start_state.hours_per_week,
        start_state.deferral_rate,
        -- a census participant without an enrollment date joined when hired
        case
            when start_state.enrollment_status = 'enrolled'
                then coalesce(start_state.enrollment_date, start_state.hire_date)
            else start_state.enrollment_date
        end as enrollment_date,
        start_state.enrollment_status,
        start_state.enrollment_source,
        cast(start_state.employee_balance_amount as decimal(18, 2)) as employee_balance_amount,
        cast(start_state.match_balance_amount as decimal(18, 2)) as match_balance_amount,
        cast(start_state.core_balance_amount as decimal(18, 2)) as core_balance_amount,
        {{ years_between('start_state.birth_date', year_start_date()) }} as age_years,
        {{ years_between('start_state.hire_date', year_start_date()) }} as tenure_years
    from start_state
)

select * from final
