{#-
    Pre-hook of the yearly marts: a re-run of a year first removes that
    (scenario_id, plan_design_id, simulation_year) of this invocation's replications and
    nothing else: other replications already stored stay untouched. Runs inside the
    model's transaction, so a failed build leaves the old rows in place.
    by_year=false removes the whole (scenario_id, plan_design_id): for the tables that
    hold one state per scenario, shared by its replications (the staged census, the
    resolved design and settings).
-#}
{% macro year_scoped_delete(by_year=true) -%}
    {{ return(adapter.dispatch('year_scoped_delete', 'planalign')(by_year)) }}
{%- endmacro %}

{% macro default__year_scoped_delete(by_year=true) -%}
    {#- is_incremental() is true for dbt's incremental materialization only; year_append (the event
        store and the snapshot) appends to a stored table the same way -#}
    {%- set appending = model.config.materialized == 'year_append' and load_relation(this) is not none -%}
    {%- if is_incremental() or appending -%}
        delete from {{ this }}
        where scenario_id = '{{ var("scenario_id") }}'
            and plan_design_id = '{{ var("plan_design_id") }}'
            {%- if by_year %}
            and simulation_year = {{ sim_year() }}
            and {{ replication_filter() }}
            {%- endif %}
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}

{#- Spark: the build overwrites its own partitions (incremental_strategy insert_overwrite, dbt_project.yml) -#}
{% macro spark__year_scoped_delete(by_year=true) -%}
    select 1 as nothing_to_delete
{%- endmacro %}
