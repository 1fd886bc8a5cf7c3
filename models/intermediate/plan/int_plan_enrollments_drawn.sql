{#-
    Enrollment decisions of the eligible employees who are not enrolled on Jan 1.
    Auto-enrollment (when the plan has it and the employee is in scope and has never
    opted out): at auto_enroll_rate, auto_enroll_days after eligibility (counted from
    Jan 1 of the start year for people eligible before it). An opt-out follows with the
    age band's opt_out_rate, 1 to opt_out_window_days later; an opt-out that falls after
    Dec 31 happens next year (int_late_opt_outs_drawn redraws it from this year's key). With the
    setting census_new_hires_since, a census employee hired on or after that date is one of the
    plan's new hires too, as the simulation's own hires are, counted from their eligibility (a
    census that is a snapshot of an earlier run, or of a plan that auto-enrolls its hires: a
    December hire not yet auto-enrolled on Jan 1 is in January). Everyone else
    eligible enrolls on their own with the age band's voluntary_enrollment_rate, on a
    day drawn inside their eligible days of the year, at a rate drawn from
    voluntary_deferral_rates (moved by the shift settings of docs/rules.md "Assumption uncertainty":
    voluntary_enrollment_shift, opt_out_shift, voluntary_deferral_shift, 0 by default); or, with the age band's enrollee_match_share of the match_response
    table (its own draw, purpose match_rate_choice), at the design's match-maximizing rate
    (int_match_maximizing_rate_derived; a design without a match has none and everyone draws).
    Nothing happens on or after a termination date.
-#}
{%- set new_hires_since = var('census_new_hires_since') -%}
{%- set is_census_new_hire -%}
    (workforce.employee_source = 'census' and workforce.hire_date >= cast('{{ new_hires_since }}' as date))
{%- endset %}
with

workforce as (
    select
        replication_id,
        employee_id,
        employee_source,
        birth_date,
        hire_date,
        termination_date,
        enrollment_status
    from {{ ref('int_workforce_year_folded') }}
    where enrollment_status in ('not_enrolled', 'opted_out')
),

eligibility as (
    select
        replication_id,
        employee_id,
        eligibility_date
    from {{ ref('int_plan_eligibility_determined') }}
    where is_eligible
),

plan_design as (
    select
        is_auto_enroll,
        auto_enroll_scope,
        auto_enroll_rate,
        auto_enroll_days,
        opt_out_window_days
    from {{ ref('int_plan_design_selected') }}
),

behavior as (
    select
        min_age,
        max_age,
        opt_out_rate,
        voluntary_enrollment_rate
    from {{ ref('int_enrollment_behavior_selected') }}
),

match_rate as (
    select match_maximizing_rate from {{ ref('int_match_maximizing_rate_derived') }}
),

match_response as (
    select
        min_age,
        max_age,
        enrollee_match_share
    from {{ assumption('match_response') }}
),

deferral_choices as (
    select
        voluntary_deferral_rates.deferral_rate,
        {{ cumulative_share_bounds('voluntary_deferral_rates.weight', 'voluntary_deferral_rates.deferral_rate') }},
        min(voluntary_deferral_rates.deferral_rate) over () as lowest_deferral_rate
    from {{ assumption('voluntary_deferral_rates') }}
    where voluntary_deferral_rates.weight > 0
),

candidates as (
    select
        workforce.*,
        eligibility.eligibility_date,
        plan_design.auto_enroll_rate,
        plan_design.opt_out_window_days,
        greatest(
            {%- if new_hires_since %}
            {{ add_days('greatest(eligibility.eligibility_date, case when ' ~ is_census_new_hire
                ~ ' then eligibility.eligibility_date else ' ~ year_start_date(var('start_year')) ~ ' end)',
                'plan_design.auto_enroll_days') }},
            {%- else %}
            {{ add_days('greatest(eligibility.eligibility_date, ' ~ year_start_date(var('start_year')) ~ ')',
                'plan_design.auto_enroll_days') }},
            {%- endif %}
            {{ year_start_date() }}
        ) as auto_enroll_date,
        plan_design.is_auto_enroll
        and workforce.enrollment_status = 'not_enrolled'
        and (
            plan_design.auto_enroll_scope = 'all_eligible_unenrolled'
            or (plan_design.auto_enroll_scope = 'new_hires' and workforce.employee_source = 'hire')
            {%- if new_hires_since %}
            or (plan_design.auto_enroll_scope = 'new_hires' and {{ is_census_new_hire }})
            {%- endif %}
        ) as is_in_auto_enroll_scope,
        greatest(eligibility.eligibility_date, {{ year_start_date() }}) as window_start_date,
        least(
            coalesce({{ add_days('workforce.termination_date', -1) }}, {{ year_end_date() }}),
            {{ year_end_date() }}
        ) as window_end_date,
        {{ uniform_draw('workforce.employee_id', 'opt_out',
            replication='workforce.replication_id') }} as opt_out_draw,
        {{ uniform_draw('workforce.employee_id', 'opt_out_day',
            replication='workforce.replication_id') }} as opt_out_day_draw,
        {{ uniform_draw('workforce.employee_id', 'voluntary_enroll',
            replication='workforce.replication_id') }} as voluntary_draw,
        {{ uniform_draw('workforce.employee_id', 'voluntary_enroll_day',
            replication='workforce.replication_id') }} as voluntary_day_draw,
        {{ uniform_draw('workforce.employee_id', 'voluntary_deferral',
            replication='workforce.replication_id') }} as deferral_draw,
        {{ uniform_draw('workforce.employee_id', 'match_rate_choice',
            replication='workforce.replication_id') }} as match_choice_draw
    from workforce
    inner join eligibility
        on
            workforce.replication_id = eligibility.replication_id
            and workforce.employee_id = eligibility.employee_id
    cross join plan_design
),

auto_enrollment as (
    select
        candidates.*,
        candidates.is_in_auto_enroll_scope
        and candidates.auto_enroll_date <= candidates.window_end_date as is_auto_enrolled,
        {{ opt_out_date('candidates.auto_enroll_date', 'candidates.opt_out_day_draw',
            'candidates.opt_out_window_days') }} as opt_out_date
    from candidates
),

with_rates as (
    select
        auto_enrollment.*,
        {{ shifted_rate('opt_out_band.opt_out_rate', 'opt_out_shift', 'auto_enrollment.replication_id') }}
            as opt_out_probability,
        {{ shifted_rate('voluntary_band.voluntary_enrollment_rate', 'voluntary_enrollment_shift',
            'auto_enrollment.replication_id') }} as voluntary_probability,
        coalesce(
            match_rate.match_maximizing_rate is not null
            and auto_enrollment.match_choice_draw < match_band.enrollee_match_share,
            false
        ) as is_match_rate_chosen,
        case
            when
                match_rate.match_maximizing_rate is not null
                and auto_enrollment.match_choice_draw < match_band.enrollee_match_share
                then match_rate.match_maximizing_rate
            else {{ shifted_rate('deferral_choices.deferral_rate', 'voluntary_deferral_shift',
                'auto_enrollment.replication_id', lowest='deferral_choices.lowest_deferral_rate') }}
        end as voluntary_deferral_rate
    from auto_enrollment
    left join behavior as opt_out_band
        on
            {{ years_between('auto_enrollment.birth_date', 'auto_enrollment.auto_enroll_date') }} >= opt_out_band.min_age
            and {{ years_between('auto_enrollment.birth_date', 'auto_enrollment.auto_enroll_date') }} < opt_out_band.max_age
    left join behavior as voluntary_band
        on
            {{ years_between('auto_enrollment.birth_date', 'auto_enrollment.window_start_date') }}
            >= voluntary_band.min_age
            and {{ years_between('auto_enrollment.birth_date', 'auto_enrollment.window_start_date') }}
            < voluntary_band.max_age
    left join deferral_choices
        on
            auto_enrollment.deferral_draw >= deferral_choices.lower_bound
            and auto_enrollment.deferral_draw < deferral_choices.upper_bound
    left join match_response as match_band
        on
            {{ years_between('auto_enrollment.birth_date', 'auto_enrollment.window_start_date') }}
            >= match_band.min_age
            and {{ years_between('auto_enrollment.birth_date', 'auto_enrollment.window_start_date') }}
            < match_band.max_age
    cross join match_rate
),

decisions as (
    select
        with_rates.replication_id,
        with_rates.employee_id,
        with_rates.eligibility_date,
        with_rates.is_in_auto_enroll_scope,
        with_rates.is_auto_enrolled,
        case when with_rates.is_auto_enrolled then with_rates.auto_enroll_date end as auto_enroll_date,
        case when with_rates.is_auto_enrolled then with_rates.auto_enroll_rate end as auto_enroll_rate,
        case when with_rates.is_auto_enrolled then with_rates.opt_out_probability end as opt_out_probability,
        with_rates.opt_out_draw,
        with_rates.is_auto_enrolled
        and with_rates.opt_out_draw < with_rates.opt_out_probability as is_opt_out_drawn,
        with_rates.is_auto_enrolled
        and with_rates.opt_out_draw < with_rates.opt_out_probability
        and with_rates.opt_out_date <= with_rates.window_end_date as is_opted_out,
        with_rates.opt_out_date,
        not with_rates.is_in_auto_enroll_scope
        and with_rates.window_start_date <= with_rates.window_end_date
        and with_rates.voluntary_draw < coalesce(with_rates.voluntary_probability, 0) as is_voluntarily_enrolled,
        with_rates.voluntary_probability,
        with_rates.voluntary_draw,
        with_rates.window_start_date,
        {{ add_days('with_rates.window_start_date',
            'cast(floor(with_rates.voluntary_day_draw * (' ~ dbt.datediff('with_rates.window_start_date',
            'with_rates.window_end_date', 'day') ~ ' + 1)) as integer)') }} as voluntary_enroll_date,
        with_rates.voluntary_deferral_rate,
        with_rates.is_match_rate_chosen
    from with_rates
),

final as (
    select
        decisions.replication_id,
        decisions.employee_id,
        decisions.eligibility_date,
        decisions.is_in_auto_enroll_scope,
        decisions.is_auto_enrolled,
        decisions.auto_enroll_date,
        decisions.auto_enroll_rate,
        decisions.opt_out_probability,
        decisions.opt_out_draw,
        decisions.is_opt_out_drawn,
        decisions.is_opted_out,
        case when decisions.is_opted_out then decisions.opt_out_date end as opt_out_date,
        -- observed minus expected participation of the auto-enrolled, scaled so that its
        -- mean over them is the z-score of the year's opt-outs against the assumptions
        case
            when decisions.is_auto_enrolled
                then
                    ((case when decisions.is_opt_out_drawn then 0 else 1 end) - (1 - decisions.opt_out_probability))
                    * count(case when decisions.is_auto_enrolled then 1 end)
                        over (partition by decisions.replication_id)
                    / nullif(sqrt(sum(case
                        when decisions.is_auto_enrolled
                            then decisions.opt_out_probability * (1 - decisions.opt_out_probability)
                    end) over (partition by decisions.replication_id)), 0)
        end as participation_z_share,
        decisions.is_voluntarily_enrolled,
        decisions.voluntary_probability,
        decisions.voluntary_draw,
        case when decisions.is_voluntarily_enrolled then decisions.voluntary_enroll_date end
            as voluntary_enroll_date,
        case when decisions.is_voluntarily_enrolled then decisions.voluntary_deferral_rate end
            as voluntary_deferral_rate,
        decisions.is_voluntarily_enrolled and decisions.is_match_rate_chosen as is_match_rate_chosen
    from decisions
)

select * from final
