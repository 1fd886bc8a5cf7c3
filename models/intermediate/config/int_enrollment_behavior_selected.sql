{#-
    The participant behaviour by age band [min_age, max_age) of the plan design's
    enrollment profile: from the var plan_design (enrollment_behavior) when present,
    else the profile's rows of the enrollment_behavior assumption table (the scenario's own
    table, or the seed: assumption()).
-#}
{%- set design = plan_design_var() -%}
{#- referenced even when not read (see plan_design_var()): the seed, or the scenario's own table -#}
{%- set seed_rows = assumption('enrollment_behavior') -%}

with

plan_design as (
    select enrollment_profile_id from {{ ref('int_plan_design_selected') }}
),

enrollment_behavior as (
    {% if design is none -%}
        select
            enrollment_profile_id,
            min_age,
            max_age,
            opt_out_rate,
            voluntary_enrollment_rate
        from {{ seed_rows }}
    {%- else -%}
        {{ rows_as_relation(design['enrollment_behavior'], plan_seed_column_types('enrollment_behavior'),
            constants={'enrollment_profile_id': design['enrollment_profile_id']},
            label='var plan_design.enrollment_behavior') }}
    {%- endif %}
),

final as (
    select
        enrollment_behavior.min_age,
        enrollment_behavior.max_age,
        enrollment_behavior.opt_out_rate,
        enrollment_behavior.voluntary_enrollment_rate
    from enrollment_behavior
    inner join plan_design
        on enrollment_behavior.enrollment_profile_id = plan_design.enrollment_profile_id
)

select * from final
