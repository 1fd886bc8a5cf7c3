{#-
    The workforce assumption tables each (scenario_id, plan_design_id, replication_set) was
    built with: one row per table, with where it came from (the seed, or the scenario's own
    file), the SHA-256 of that content, its row count and its rows as JSON text (keys sorted,
    rows in key order), read through assumption() exactly as the models read them. Rebuilt
    by the first year of every run (tag per_run; the set's rows replaced). Empty for a plain
    dbt build without the CLI's var assumptions.
-#}
{{ config(
    pre_hook="{{ replication_set_delete() }}",
    contract={'enforced': true}
) }}
{%- set tables = assumption_tables() -%}
{%- set described = [] -%}
{%- for name in assumption_table_names() -%}
    {%- set relation = assumption(name) -%}
    {%- if name in tables -%}
        {%- do described.append((name, relation, tables[name])) -%}
    {%- endif -%}
{%- endfor %}

with

{% for name, relation, table in described %}
    {%- set order_columns = [] -%}
    {%- for column in table['order_by'] -%}
        {%- do order_columns.append(name ~ '.' ~ column) -%}
    {%- endfor %}
    {{ name }}_json as (
        select
            '{{ name }}' as table_name,
            count(*) as row_count,
            {{ json_array_agg(json_object_text(name, table['columns']), order_columns) }} as rows_json
        from {{ relation }}
    ),
{% endfor %}

described as (
    {%- for name, relation, table in described %}
        select
            {{ name }}_json.table_name,
            {{ sql_literal(table['source']) }} as table_source,
            {{ sql_literal(table['sha256']) }} as content_sha256,
            {{ name }}_json.row_count,
            {{ name }}_json.rows_json
        from {{ name }}_json
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if described | length == 0 %}
        select
            cast(null as {{ dbt.type_string() }}) as table_name,
            cast(null as {{ dbt.type_string() }}) as table_source,
            cast(null as {{ dbt.type_string() }}) as content_sha256,
            cast(null as bigint) as row_count,
            cast(null as {{ dbt.type_string() }}) as rows_json
        where 1 = 0
    {%- endif %}
),

final as (
    select
        cast('{{ var("scenario_id") }}' as {{ dbt.type_string() }}) as scenario_id,
        cast('{{ var("plan_design_id") }}' as {{ dbt.type_string() }}) as plan_design_id,
        cast('{{ replication_set() }}' as {{ dbt.type_string() }}) as replication_set,
        cast(described.table_name as {{ dbt.type_string() }}) as table_name,
        cast(described.table_source as {{ dbt.type_string() }}) as table_source,
        cast(described.content_sha256 as {{ dbt.type_string() }}) as content_sha256,
        cast(described.row_count as bigint) as row_count,
        cast(described.rows_json as {{ dbt.type_string() }}) as rows_json,
        cast('{{ run_stamp_id() }}' as {{ dbt.type_string() }}) as run_id,
        cast({{ sim_year() }} as integer) as simulation_year
    from described
)

select * from final
