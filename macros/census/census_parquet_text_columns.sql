{#-
    A census Parquet file read by its column types, each rendered to the text staging parses:
    DATE as YYYY-MM-DD; TIMESTAMP as its date; TIMESTAMP WITH TIME ZONE as its date in the
    zone the writer recorded (pandas keeps it in the file's metadata), in UTC when it recorded
    none; a whole DOUBLE or FLOAT (a job level 2.0, pay 136700.0) without its ".0"; integers,
    decimals and text as they are. Column names match the accepted names in any case.
-#}
{% macro census_parquet_text_columns(relation) -%}
    {%- set columns = {} -%}
    {%- set zones = {} -%}
    {%- if execute -%}
        {%- for row in run_query('describe select * from ' ~ relation).rows -%}
            {%- do columns.update({row[0] | lower: {'name': row[0], 'type': row[1] | upper}}) -%}
        {%- endfor -%}
        {%- set path = var('census_path') | replace("'", "''") -%}
        {%- set metadata = run_query("select decode(value) from parquet_kv_metadata('" ~ path ~ "') where decode(key) = 'pandas'") -%}
        {%- if metadata.rows | length > 0 -%}
            {%- for column in (fromjson(metadata.rows[0][0]) or {}).get('columns', []) -%}
                {%- if column.get('metadata') and column['metadata'].get('timezone') -%}
                    {%- do zones.update({(column['name'] or '') | lower: column['metadata']['timezone']}) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif %}
    select
        row_number() over () as census_row_number,
        {%- if '_planalign_sheet_row' in columns %}
        cast(_planalign_sheet_row as bigint) as census_line_number,
        {%- else %}
        cast(null as bigint) as census_line_number,
        {%- endif %}
        false as is_malformed_row,
        {%- for name in census_alias_names() %}
        {%- set column = columns.get(name) %}
        {%- if column is none %}
        cast(null as {{ dbt.type_string() }}) as {{ name }}
        {%- else %}
        {%- set quoted = '"' ~ column['name'] | replace('"', '""') ~ '"' %}
        {%- set type = column['type'] %}
        {%- if type == 'DATE' %}
        strftime({{ quoted }}, '%Y-%m-%d') as {{ name }}
        {%- elif type.startswith('TIMESTAMP') and ('TIME ZONE' in type or type == 'TIMESTAMPTZ') %}
        strftime(cast(timezone('{{ zones.get(name, var('census_timezone')) | replace("'", "''") }}', {{ quoted }}) as date), '%Y-%m-%d') as {{ name }}
        {%- elif type.startswith('TIMESTAMP') %}
        strftime(cast({{ quoted }} as date), '%Y-%m-%d') as {{ name }}
        {%- elif type in ('DOUBLE', 'FLOAT', 'REAL') %}
        case
            when isfinite({{ quoted }}) and {{ quoted }} = floor({{ quoted }}) and abs({{ quoted }}) < 1e15
                then cast(cast({{ quoted }} as bigint) as {{ dbt.type_string() }})
            else cast({{ quoted }} as {{ dbt.type_string() }})
        end as {{ name }}
        {%- else %}
        cast({{ quoted }} as {{ dbt.type_string() }}) as {{ name }}
        {%- endif %}
        {%- endif %}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ relation }}
{%- endmacro %}
