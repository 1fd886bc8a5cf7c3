{#- The year's enrollment and opt_out events: this year's decisions and the late opt-outs of last year's auto-enrollments. -#}
with

decisions as (
    select
        replication_id,
        employee_id,
        is_auto_enrolled,
        auto_enroll_date,
        auto_enroll_rate,
        is_opted_out,
        opt_out_date,
        opt_out_probability,
        opt_out_draw,
        is_voluntarily_enrolled,
        voluntary_enroll_date,
        voluntary_deferral_rate,
        voluntary_probability,
        voluntary_draw
    from {{ ref('int_plan_enrollments_drawn') }}
    where is_auto_enrolled or is_voluntarily_enrolled
),

auto_enrollments as (
    select
        replication_id,
        employee_id,
        'enrollment' as event_type,
        auto_enroll_date as effective_date,
        cast(0 as decimal(10, 6)) as deferral_rate_before,
        auto_enroll_rate as deferral_rate_after,
        'auto_enroll' as reason,
        cast(null as {{ type_double() }}) as probability,
        cast(null as {{ type_double() }}) as draw
    from decisions
    where is_auto_enrolled
),

opt_outs as (
    select
        replication_id,
        employee_id,
        'opt_out' as event_type,
        opt_out_date as effective_date,
        auto_enroll_rate as deferral_rate_before,
        cast(0 as decimal(10, 6)) as deferral_rate_after,
        'opt_out' as reason,
        cast(opt_out_probability as {{ type_double() }}) as probability,
        opt_out_draw as draw
    from decisions
    where is_opted_out
),

voluntary_enrollments as (
    select
        replication_id,
        employee_id,
        'enrollment' as event_type,
        voluntary_enroll_date as effective_date,
        cast(0 as decimal(10, 6)) as deferral_rate_before,
        voluntary_deferral_rate as deferral_rate_after,
        'voluntary' as reason,
        cast(voluntary_probability as {{ type_double() }}) as probability,
        voluntary_draw as draw
    from decisions
    where is_voluntarily_enrolled
),

late_opt_outs as (
    select
        replication_id,
        employee_id,
        event_type,
        effective_date,
        deferral_rate_before,
        deferral_rate_after,
        reason,
        probability,
        draw
    from {{ ref('int_late_opt_outs_drawn') }}
),

final as (
    select * from auto_enrollments
    union all
    select * from opt_outs
    union all
    select * from voluntary_enrollments
    union all
    select * from late_opt_outs
)

select * from final
