{#-
    The first-year move-up of the match response: on Jan 1 of the first simulated year, when the
    design's match-maximizing rate differs from the census plan's (int_match_maximizing_rate_derived),
    each participant enrolled before that day and deferring above 0 but below the rate (after this
    day's auto-escalation) moves up to it with the age band's move_up_share of the match_response
    table (age on Jan 1; its own draw, purpose match_move_up). One deferral_change event per mover,
    reason match_response. Nothing in later years, nor for a design without a match.
-#}
with

start_of_year as (
    select
        replication_id,
        employee_id,
        birth_date,
        enrollment_status,
        enrollment_date,
        deferral_rate
    from {{ ref('int_workforce_start_of_year') }}
    where
        enrollment_status = 'enrolled'
        and enrollment_date < {{ year_start_date() }}
        and deferral_rate > 0
        and {{ sim_year() }} = {{ var('start_year') }}
),

escalations as (
    select
        replication_id,
        employee_id,
        deferral_rate_after
    from {{ ref('int_deferral_escalations_applied') }}
),

match_rate as (
    select match_maximizing_rate
    from {{ ref('int_match_maximizing_rate_derived') }}
    where is_match_rate_changed
),

match_response as (
    select
        min_age,
        max_age,
        move_up_share
    from {{ assumption('match_response') }}
),

candidates as (
    select
        start_of_year.replication_id,
        start_of_year.employee_id,
        coalesce(
            escalations.deferral_rate_after,
            cast(round(start_of_year.deferral_rate, 6) as decimal(10, 6))
        ) as deferral_rate_before,
        match_rate.match_maximizing_rate,
        match_band.move_up_share,
        {{ uniform_draw('start_of_year.employee_id', 'match_move_up',
            replication='start_of_year.replication_id') }} as move_up_draw
    from start_of_year
    cross join match_rate
    left join escalations
        on
            start_of_year.replication_id = escalations.replication_id
            and start_of_year.employee_id = escalations.employee_id
    left join match_response as match_band
        on
            {{ years_between('start_of_year.birth_date', year_start_date()) }} >= match_band.min_age
            and {{ years_between('start_of_year.birth_date', year_start_date()) }} < match_band.max_age
),

final as (
    select
        candidates.replication_id,
        candidates.employee_id,
        'deferral_change' as event_type,
        {{ year_start_date() }} as effective_date,
        candidates.deferral_rate_before,
        candidates.match_maximizing_rate as deferral_rate_after,
        'match_response' as reason,
        cast(candidates.move_up_share as {{ type_double() }}) as probability,
        candidates.move_up_draw as draw
    from candidates
    where
        candidates.deferral_rate_before < candidates.match_maximizing_rate
        and candidates.move_up_draw < coalesce(candidates.move_up_share, 0)
)

select * from final
