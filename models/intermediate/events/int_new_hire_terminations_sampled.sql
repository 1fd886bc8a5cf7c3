{#-
    Exactly hires - net of this year's hires leave before year end: sampling without
    replacement by a uniform draw, per replication. Each leaves after the hire date and by Dec 31.
-#}
with

hires as (
    select
        replication_id,
        employee_id,
        effective_date as hire_date
    from {{ ref('int_hires_generated') }}
),

headcount_plan as (
    select
        replication_id,
        hires as planned_hires,
        new_hire_terminations
    from {{ ref('int_headcount_plan') }}
),

ranked as (
    select
        hires.replication_id,
        hires.employee_id,
        hires.hire_date,
        {{ uniform_draw('hires.employee_id', 'new_hire_termination', replication='hires.replication_id') }} as draw,
        {{ uniform_draw('hires.employee_id', 'new_hire_termination_date', replication='hires.replication_id') }}
            as date_draw,
        row_number() over (
            partition by hires.replication_id
            order by
                {{ uniform_draw('hires.employee_id', 'new_hire_termination', replication='hires.replication_id') }}
                asc nulls last,
                hires.employee_id asc nulls last
        ) as exit_rank
    from hires
),

final as (
    select
        ranked.replication_id,
        ranked.employee_id,
        'termination' as event_type,
        {{ add_days('ranked.hire_date',
            '1 + cast(floor(ranked.date_draw * ' ~ dbt.datediff('ranked.hire_date', year_end_date(), 'day')
            ~ ') as integer)') }} as effective_date,
        'new_hire_hazard' as reason,
        cast(headcount_plan.new_hire_terminations as {{ type_double() }})
        / nullif(headcount_plan.planned_hires, 0) as probability,
        ranked.draw
    from ranked
    inner join headcount_plan
        on ranked.replication_id = headcount_plan.replication_id
    where ranked.exit_rank <= headcount_plan.new_hire_terminations
)

select * from final
