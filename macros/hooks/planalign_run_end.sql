{#-
    on-run-end: closes the run with its status, per-status node counts and per-node
    timings from `results` (a run log row and the end line of logs/run_<run_id>.jsonl),
    releases a lock this dbt process took, and - when this invocation built the year's
    event store - writes the year's checkpoint: <scenario>/<plan>/year_<Y>.partial, renamed
    to .done only when every model and test passed. The checkpoint holds the config hash,
    the row counts and the digests of the year's events and snapshot over the run's replications,
    as year_checkpoint_digests() defines them (the definition resume recomputes); a year that is not
    complete is written as .partial. PLANALIGN_CHECKPOINT=off (a backtest's throw-away database, which
    nothing resumes) writes no checkpoint: its digests read every row of the year.
-#}
{% macro planalign_run_end(results) -%}
    {{ return(adapter.dispatch('planalign_run_end', 'planalign')(results)) }}
{%- endmacro %}

{% macro default__planalign_run_end(results) -%}
    {%- set admitted = execute and run_query(
        "select planalign_admitted('" ~ run_stamp_id() ~ "')").columns[0].values()[0] -%}
    {%- if admitted -%}
        {%- set payload = planalign_run_payload() -%}
        {%- set counts = {} -%}
        {%- set timings = [] -%}
        {%- set built = [] -%}
        {%- set failed = [] -%}
        {%- for result in results -%}
            {%- set status = result.status | string -%}
            {%- do counts.update({status: counts.get(status, 0) + 1}) -%}
            {%- if status not in ['success', 'pass'] -%}
                {%- do failed.append(result.node.unique_id) -%}
            {%- endif -%}
            {#- started/completed (Unix seconds): nodes overlap when dbt builds several at once -#}
            {%- do timings.append({'node': result.node.unique_id, 'status': status,
                'seconds': (result.execution_time or 0) | round(3),
                'started': (result.timing[0].started_at.timestamp() | round(3)) if result.timing else none,
                'completed': (result.timing[-1].completed_at.timestamp() | round(3)) if result.timing else none}) -%}
            {%- if result.node.unique_id == 'model.planalign.fct_yearly_events' and status == 'success' -%}
                {%- do built.append(1) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set run_status = 'success' if (results | length > 0 and failed | length == 0) else 'error' -%}
        {{ planalign_run_log_insert(payload, 'end', run_status, tojson(counts), tojson(timings)) }}
        select planalign_run_finished('{{ tojson(dict(payload, status=run_status, node_counts=counts)) | replace("'", "''") }}');
        {%- if built and flags.WHICH in ['build', 'run'] and env_var('PLANALIGN_CHECKPOINT', 'on') != 'off' %}
            select planalign_checkpoint(json_merge_patch(
                '{{ tojson(dict(payload, all_passed=(run_status == 'success' and flags.WHICH == 'build'))) | replace("'", "''") }}',
                coalesce(
                    (
                        select json_object(
                            'event_rows', event_rows,
                            'events_digest', events_digest,
                            'snapshot_rows', snapshot_rows,
                            'snapshot_digest', snapshot_digest
                        )
                        from ({{ year_checkpoint_digests(
                            target.schema ~ '.rpt_year_digests',
                            sql_literal(payload.scenario_id),
                            sql_literal(payload.plan_design_id),
                            '[' ~ (replication_list() | join(', ')) ~ ']',
                            payload.simulation_year) }}) as year_set
                    ),
                    {#- an incomplete year (a replication without its events or snapshot) is never done -#}
                    json_object('all_passed', false, 'complete', false)
                )
            ));
        {%- endif %}
    {%- else -%}
        -- parse time, or a run the preflight refused: nothing to write
        select 1 as planalign_run_end_skipped
    {%- endif -%}
{%- endmacro %}

{#- Spark: dbt-spark cannot call the hooks' Python (a dbt-duckdb plugin), so the CLI does the run's lock, run log
    (logs/run_<run_id>.jsonl) and warehouse backup around the build (scripts/engine/years.py); nothing here. -#}
{% macro spark__planalign_run_end(results) -%}
    select 1 as planalign_run_end_done_by_the_cli
{%- endmacro %}
