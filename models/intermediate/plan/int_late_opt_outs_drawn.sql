{#-
    Opt-outs that fall in this year from an auto-enrollment late last year: the same
    draws as last year's decision (keyed to last year), so the opt-out happens on the
    day it was drawn, 1 to opt_out_window_days after the auto-enrollment. Like any
    opt-out inside the window it is a permissive withdrawal: no deferrals this year. With the
    setting census_new_hires_since, a census employee hired on or after that date and enrolled
    last year was enrolled automatically (a plan's new hire is enrolled only so), so the
    first simulated year draws their late opt-out as a continuing run would.
-#}
{%- set last_year = sim_year() - 1 -%}
{%- set new_hires_since = var('census_new_hires_since') -%}
{#- the age band's opt-out rate, moved by opt_out_shift as last year's decision was (0: the rate itself) -#}
{%- set opt_out_probability = shifted_rate('behavior.opt_out_rate', 'opt_out_shift', 'draws.replication_id') -%}

with

workforce as (
    select
        replication_id,
        employee_id,
        birth_date,
        hire_date,
        termination_date,
        enrollment_date,
        deferral_rate
    from {{ ref('int_workforce_year_folded') }}
    where
        enrollment_status = 'enrolled'
        and (
            enrollment_source = 'auto'
            {%- if new_hires_since %}
                or (enrollment_source = 'census' and hire_date >= cast('{{ new_hires_since }}' as date))
            {%- endif %}
        )
        and enrollment_date >= {{ year_start_date(last_year) }}
        and enrollment_date <= {{ year_end_date(last_year) }}
),

plan_design as (
    select opt_out_window_days from {{ ref('int_plan_design_selected') }}
),

behavior as (
    select
        min_age,
        max_age,
        opt_out_rate
    from {{ ref('int_enrollment_behavior_selected') }}
),

draws as (
    select
        workforce.*,
        {{ uniform_draw('workforce.employee_id', 'opt_out', year=last_year,
            replication='workforce.replication_id') }} as opt_out_draw,
        {{ opt_out_date('workforce.enrollment_date',
            uniform_draw('workforce.employee_id', 'opt_out_day', year=last_year,
                replication='workforce.replication_id'),
            'plan_design.opt_out_window_days') }} as opt_out_date
    from workforce
    cross join plan_design
),

final as (
    select
        draws.replication_id,
        draws.employee_id,
        'opt_out' as event_type,
        draws.opt_out_date as effective_date,
        cast(round(draws.deferral_rate, 6) as decimal(10, 6)) as deferral_rate_before,
        cast(0 as decimal(10, 6)) as deferral_rate_after,
        'opt_out' as reason,
        cast({{ opt_out_probability }} as {{ type_double() }}) as probability,
        draws.opt_out_draw as draw
    from draws
    inner join behavior
        on
            {{ years_between('draws.birth_date', 'draws.enrollment_date') }} >= behavior.min_age
            and {{ years_between('draws.birth_date', 'draws.enrollment_date') }} < behavior.max_age
    where
        draws.opt_out_draw < {{ opt_out_probability }}
        and draws.opt_out_date >= {{ year_start_date() }}
        and (draws.termination_date is null or draws.opt_out_date < draws.termination_date)
)

select * from final
