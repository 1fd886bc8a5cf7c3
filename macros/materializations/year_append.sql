{#-
    year_append: the materialization of the append-only marts that hold every year (the event store and
    the snapshot). The pre-hook deletes exactly the (scenario, plan design, replications, year) being
    rebuilt, then one insert writes the model's rows into the table. dbt-duckdb's incremental
    materialization first writes the rows into a temporary table, then copies them: each row written
    twice. Measured at 1,000,000 employees x 2 years: the same wall time within noise, about 140 MiB
    less peak memory. What incremental + an enforced contract +
    on_schema_change 'fail' guarantee stays: the model's columns must match its contract (names and
    types), and so must the stored table's, or the build fails with the incremental materialization's
    message, before anything is written. The first build creates the table with its contract's
    constraints; the table is never dropped or replaced (no --full-refresh path).
-#}
{% materialization year_append, adapter='duckdb' -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_cached_relation(this) -%}

    {%- if existing_relation is not none -%}
        {%- do year_append_check_stored_columns(existing_relation) -%}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if existing_relation is none -%}
        {%- call statement('main') -%}
            {{ create_table_as(False, target_relation, sql) }}
        {%- endcall -%}
    {%- else -%}
        {%- call statement('main') -%}
            {{ get_assert_columns_equivalent(sql) }}
            insert into {{ target_relation }} {{ get_column_names() }}
            {{ get_select_subquery(sql) }}
        {%- endcall -%}
    {%- endif -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization %}
