{#-
    The year's workforce and plan figures broken down by job level, age band, tenure band
    and pay band, in long form: one row per (scenario_id, plan_design_id, replication_id,
    simulation_year, dimension, band_label). Every employee of the year's snapshot falls in
    exactly one band of each dimension, banded on their snapshot row: job level at year end
    (or at termination), age and tenure at Dec 31 (or at termination), full-year pay rate
    at year end (or at termination). A job level's label is its level_name in the job_levels
    table the run used, as dim_assumptions recorded it for the run's (scenario, plan design,
    replication set): a scenario's own table or the seed, so scenarios with their own level
    names share one database. A run without that record (a plain dbt build) gets the names
    of the table this build reads. The other bands come from the report_*_bands seeds. Hires,
    terminations and promotions are the year's events of fct_yearly_events, counted in the
    band of the employee's snapshot row. So within a band start + hires - terminations = end,
    and every dimension adds up to rpt_year_audit. The eligible Dec 31 actives are also counted
    by deferral rate: one column deferral_band_<band_sort>_count per band of the
    report_deferral_bands seed, read when the view is built.
-#}
{%- set range_dimensions = report_range_dimensions() -%}
{%- set deferral_band_sorts = report_band_sorts('report_deferral_bands') -%}
with

snapshot as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        is_new_hire,
        employment_status,
        job_level,
        age,
        tenure_years,
        annual_compensation,
        is_plan_eligible,
        enrollment_status,
        deferral_rate,
        employee_contribution_amount,
        employer_match_amount,
        employer_core_amount,
        forfeiture_amount,
        is_402g_limited,
        is_415c_limited,
        is_401a17_limited,
        is_match_capped
    from {{ ref('fct_workforce_snapshot') }}
),

workforce_events as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        event_type
    from {{ ref('fct_yearly_events') }}
    where event_type in ('hire', 'termination', 'promotion')
),

recorded_levels as (
    select
        dim_assumptions.scenario_id,
        dim_assumptions.plan_design_id,
        dim_assumptions.replication_set,
        {{ json_rows('dim_assumptions.rows_json', {'job_level': 'integer', 'level_name': 'varchar'}) }}
    from {{ ref('dim_assumptions') }} as dim_assumptions
    where dim_assumptions.table_name = 'job_levels'
),

recorded_runs as (
    select distinct
        recorded_levels.scenario_id,
        recorded_levels.plan_design_id,
        recorded_levels.replication_set
    from recorded_levels
),

job_levels as (
    select
        job_level,
        level_name
    from {{ assumption('job_levels') }}
),

{{ report_range_band_ctes() }}
deferral_bands as (
    select
        band_sort,
        min_value,
        max_value
    from {{ ref('report_deferral_bands') }}
),

event_counts as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        count(case when event_type = 'hire' then 1 end) as hire_count,
        count(case when event_type = 'termination' then 1 end) as termination_count,
        count(case when event_type = 'promotion' then 1 end) as promotion_count
    from workforce_events
    group by scenario_id, plan_design_id, replication_id, simulation_year, employee_id
),

employees as (
    select
        snapshot.*,
        coalesce(event_counts.hire_count, 0) as hire_count,
        coalesce(event_counts.termination_count, 0) as termination_count,
        coalesce(event_counts.promotion_count, 0) as promotion_count,
        case when snapshot.replication_id = 0 then 'single' else 'monte_carlo' end as replication_set,
        snapshot.employment_status = 'active' as is_active_at_year_end,
        snapshot.employment_status = 'active' and snapshot.is_plan_eligible as is_eligible_at_year_end,
        snapshot.employment_status = 'active' and snapshot.is_plan_eligible
        and snapshot.enrollment_status = 'enrolled' and snapshot.deferral_rate > 0 as is_participant,
        case
            when snapshot.enrollment_status = 'enrolled' then coalesce(snapshot.deferral_rate, 0)
            else 0
        end as effective_deferral_rate
    from snapshot
    left join event_counts
        on
            snapshot.scenario_id = event_counts.scenario_id
            and snapshot.plan_design_id = event_counts.plan_design_id
            and snapshot.replication_id = event_counts.replication_id
            and snapshot.simulation_year = event_counts.simulation_year
            and snapshot.employee_id = event_counts.employee_id
),

employees_deferral_banded as (
    select
        employees.*,
        deferral_bands.band_sort as deferral_band_sort
    from employees
    left join deferral_bands
        on
            employees.effective_deferral_rate >= deferral_bands.min_value
            and employees.effective_deferral_rate < deferral_bands.max_value
),

banded as (
    select
        employees_deferral_banded.*,
        'job_level' as dimension,
        coalesce(
            case when recorded_runs.scenario_id is null then job_levels.level_name else recorded_levels.level_name end,
            cast(employees_deferral_banded.job_level as varchar)
        ) as band_label,
        employees_deferral_banded.job_level as band_sort
    from employees_deferral_banded
    left join recorded_runs
        on
            employees_deferral_banded.scenario_id = recorded_runs.scenario_id
            and employees_deferral_banded.plan_design_id = recorded_runs.plan_design_id
            and employees_deferral_banded.replication_set = recorded_runs.replication_set
    left join recorded_levels
        on
            employees_deferral_banded.scenario_id = recorded_levels.scenario_id
            and employees_deferral_banded.plan_design_id = recorded_levels.plan_design_id
            and employees_deferral_banded.replication_set = recorded_levels.replication_set
            and employees_deferral_banded.job_level = recorded_levels.job_level
    left join job_levels
        on employees_deferral_banded.job_level = job_levels.job_level

    {% for dimension, column, seed in range_dimensions %}
        union all

        select
            employees_deferral_banded.*,
            '{{ dimension }}' as dimension,
            {{ dimension }}s.band_label,
            {{ dimension }}s.band_sort
        from employees_deferral_banded
        left join {{ dimension }}s
            on
                employees_deferral_banded.{{ column }} >= {{ dimension }}s.min_value
                and employees_deferral_banded.{{ column }} < {{ dimension }}s.max_value
    {% endfor %}
),

aggregated as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        dimension,
        band_label,
        band_sort,
        count(case when not is_new_hire then 1 end) as headcount_start,
        count(case when is_active_at_year_end then 1 end) as headcount_end,
        sum(hire_count) as hires,
        sum(termination_count) as terminations,
        sum(promotion_count) as promotions,
        avg(case when is_active_at_year_end then annual_compensation end) as average_pay,
        count(case when is_eligible_at_year_end then 1 end) as eligible_count,
        count(case when is_participant then 1 end) as participant_count,
        {% for band_sort in deferral_band_sorts -%}
            count(
                case when is_eligible_at_year_end and deferral_band_sort = {{ band_sort }} then 1 end
            ) as deferral_band_{{ band_sort }}_count,
        {% endfor -%}
        avg(case when is_participant then deferral_rate end) as average_deferral_rate,
        sum(employee_contribution_amount) as employee_contributions,
        sum(employer_match_amount) as employer_match,
        sum(employer_core_amount) as employer_core,
        sum(forfeiture_amount) as forfeitures,
        count(case when is_402g_limited then 1 end) as limit_402g_count,
        count(case when is_415c_limited then 1 end) as limit_415c_count,
        count(case when is_401a17_limited then 1 end) as limit_401a17_count,
        count(case when is_match_capped then 1 end) as match_cap_count
    from banded
    group by scenario_id, plan_design_id, replication_id, simulation_year, dimension, band_label, band_sort
),

final as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        dimension,
        coalesce(band_label, 'unbanded') as band_label,
        band_sort,
        headcount_start,
        headcount_end,
        cast(hires as bigint) as hires,
        cast(terminations as bigint) as terminations,
        cast(promotions as bigint) as promotions,
        cast(round(average_pay, 2) as decimal(18, 2)) as average_pay,
        eligible_count,
        participant_count,
        round(
            cast(participant_count as {{ type_double() }}) / nullif(eligible_count, 0), 6
        ) as participation_rate,
        {% for band_sort in deferral_band_sorts -%}
            deferral_band_{{ band_sort }}_count,
        {% endfor -%}
        round(average_deferral_rate, 6) as average_deferral_rate,
        cast(employee_contributions as decimal(18, 2)) as employee_contributions,
        cast(employer_match as decimal(18, 2)) as employer_match,
        cast(employer_core as decimal(18, 2)) as employer_core,
        cast(employer_match + employer_core as decimal(18, 2)) as employer_cost,
        cast(round((employer_match + employer_core) / nullif(participant_count, 0), 2) as decimal(18, 2))
            as employer_cost_per_participant,
        cast(forfeitures as decimal(18, 2)) as forfeitures,
        limit_402g_count,
        limit_415c_count,
        limit_401a17_count,
        match_cap_count
    from aggregated
)

select * from final
