{#- One row of main.planalign_run_log (the table is created by the on-run-start hook). -#}
{% macro planalign_run_log_insert(payload, event, status, node_counts, node_timings) -%}
    insert into main.planalign_run_log values (
        '{{ payload.run_id }}',
        '{{ payload.invocation_id }}',
        '{{ payload.command }}',
        '{{ event }}',
        '{{ payload.scenario_id }}',
        '{{ payload.plan_design_id }}',
        {{ payload.simulation_year }},
        '{{ payload.config_hash }}',
        '{{ payload.census_sha256 }}',
        '{{ payload.git_sha }}',
        '{{ status }}',
        '{{ node_counts | replace("'", "''") }}',
        '{{ node_timings | replace("'", "''") }}',
        {{ dbt.current_timestamp() }}
    );
{%- endmacro %}
