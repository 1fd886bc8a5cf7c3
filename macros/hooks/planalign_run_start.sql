{#-
    on-run-start: the preflight of every dbt invocation, in this order - planalign_preflight()
    from hooks/plugin.py (the lock: refused while another live run holds the
    database; the start line of logs/run_<run_id>.jsonl), a CHECKPOINT (so that the file
    holds everything), the backup (once per run id, never for dbt test), and only then a
    write: the start row of the run log table. A failing preflight stops the run
    (flags.skip_nodes_if_on_run_start_fails) before anything is written.
-#}
{% macro planalign_run_start() -%}
    {{ return(adapter.dispatch('planalign_run_start', 'planalign')()) }}
{%- endmacro %}

{% macro default__planalign_run_start() -%}
    {%- if execute -%}
        {%- set payload = planalign_run_payload() -%}
        select planalign_preflight('{{ tojson(payload) | replace("'", "''") }}');
        checkpoint;
        select planalign_backup(json_merge_patch(
            '{{ tojson(payload) | replace("'", "''") }}',
            json_object('has_data', exists (
                select 1 from information_schema.tables where table_name = 'fct_yearly_events'
            ))
        ));
        create table if not exists main.planalign_run_log (
            run_id varchar,
            invocation_id varchar,
            command varchar,
            event varchar,
            scenario_id varchar,
            plan_design_id varchar,
            simulation_year integer,
            config_hash varchar,
            census_sha256 varchar,
            git_sha varchar,
            status varchar,
            node_counts varchar,
            node_timings varchar,
            logged_at timestamp
        );
        {{ planalign_run_log_insert(payload, 'start', 'running', '{}', '[]') }}
    {%- else -%}
        select 1 as planalign_run_start_at_parse_time
    {%- endif -%}
{%- endmacro %}

{#- Spark: dbt-spark cannot call the hooks' Python (a dbt-duckdb plugin), so the CLI does the run's lock, run log
    (logs/run_<run_id>.jsonl) and warehouse backup around the build (scripts/engine/years.py); nothing here. -#}
{% macro spark__planalign_run_start() -%}
    select 1 as planalign_run_start_done_by_the_cli
{%- endmacro %}
