{#-
    The event store: every event of the simulated year, in one schema, appended per
    (scenario_id, plan_design_id, replication_id, simulation_year). A re-run of the year
    deletes exactly those rows of its replications first (pre-hook); earlier years and
    other replications are never touched. event_id is a deterministic UUID,
    event_sequence the order of an employee's events in the year and replication.
-#}
{{ config(
    materialized='year_append',
    pre_hook="{{ year_scoped_delete() }}",
    contract={'enforced': true}
) }}

{%- set event_models = [
    'int_hires_generated',
    'int_terminations_sampled',
    'int_new_hire_terminations_sampled',
    'int_promotions_drawn',
    'int_raises_calculated',
    'int_eligibility_events_generated',
    'int_enrollment_events_generated',
    'int_deferral_escalations_applied',
    'int_match_responses_drawn',
    'int_contribution_events_generated',
    'int_forfeiture_events_generated',
    'int_nondiscrimination_correction_events',
    'int_top_heavy_minimum_events',
] -%}

with

{% for event_model in event_models %}
    {{ event_model }} as (
        {{ select_event_columns(ref(event_model), event_model) }}
    ),
{% endfor %}

unioned as (
    {% for event_model in event_models -%}
        select * from {{ event_model }}
        {% if not loop.last %}union all
        {% endif %}
    {%- endfor %}
),

sequenced as (
    select
        unioned.*,
        row_number() over (
            partition by unioned.replication_id, unioned.employee_id
            order by
                unioned.effective_date asc nulls last,
                {{ event_type_priority('unioned.event_type') }} asc nulls last,
                unioned.event_type asc nulls last
        ) as event_sequence
    from unioned
),

final as (
    select
        cast({{ deterministic_uuid([
            "'" ~ var('scenario_id') ~ "'",
            "'" ~ var('plan_design_id') ~ "'",
            'sequenced.replication_id',
            sim_year(),
            'sequenced.employee_id',
            'sequenced.event_type',
            'sequenced.effective_date',
        ]) }} as {{ dbt.type_string() }}) as event_id,
        cast('{{ var("scenario_id") }}' as {{ dbt.type_string() }}) as scenario_id,
        cast('{{ var("plan_design_id") }}' as {{ dbt.type_string() }}) as plan_design_id,
        cast(sequenced.replication_id as integer) as replication_id,
        cast('{{ run_stamp_id() }}' as {{ dbt.type_string() }}) as run_id,
        cast({{ sim_year() }} as integer) as simulation_year,
        {% for name, data_type in event_payload_columns() -%}
            sequenced.{{ name }},
        {% endfor -%}
        cast(sequenced.event_sequence as integer) as event_sequence,
        cast({{ dbt.current_timestamp() }} as timestamp) as created_at
    from sequenced
)

select * from final
