{#-
    A census CSV read as lines (the source) and split here: a line without a quote is split
    on the delimiter (fast); a line with one is matched field by field: a quoted field may
    hold the delimiter and doubled quotes; a line that is not a sequence of fields, or has another
    number of fields than the header, is malformed (its values stay null, so that shifted
    fields never show an SSN in the rejects). Blank lines are skipped; line numbers count them.
-#}
{% macro census_csv_text_columns(relation) -%}
    {%- set header = census_csv_header(relation) -%}
    {%- set delimiter = header['delimiter'] -%}
    {%- set separator = {',': ',', ';': ';', '\t': '\\t', '|': '\\|'}[delimiter] -%}
    {%- set field = '\\s*"(?:[^"]|"")*"\\s*|[^' ~ separator ~ '"]*' -%}
    {%- set delimiter_sql = "chr(9)" if delimiter == '\t' else "'" ~ delimiter ~ "'" -%}
    with

    census_lines as (
        select
            {{ file_line_number() }} as census_line_number,
            census_line
        from {{ relation }}
    ),

    census_split as (
        select
            census_lines.census_line_number,
            case
                when contains(census_lines.census_line, '"')
                    then regexp_extract_all(
                        {{ delimiter_sql }} || census_lines.census_line, '{{ separator }}({{ field }})', 1
                    )
                else {{ split_text('census_lines.census_line', delimiter_sql) }}
            end as census_fields,
            case
                when contains(census_lines.census_line, '"')
                    then {{ regexp_matches_whole(
                        'census_lines.census_line', '(?:' ~ field ~ ')(?:' ~ separator ~ '(?:' ~ field ~ '))*'
                    ) }}
                else true
            end as is_well_formed
        from census_lines
        where census_lines.census_line_number > 1 and trim(coalesce(census_lines.census_line, '')) <> ''
    ),

    census_checked as (
        select
            census_split.census_line_number,
            census_split.census_fields,
            not (census_split.is_well_formed and {{ list_length('census_split.census_fields') }} = {{ header['names'] | length }})
                as is_malformed_row
        from census_split
    )

    select
        row_number() over (order by census_checked.census_line_number) as census_row_number,
        census_checked.census_line_number,
        census_checked.is_malformed_row,
        {%- for name in census_alias_names() %}
        {%- if name in header['names'] %}
        {%- set value = 'trim(' ~ list_element('census_checked.census_fields', header['names'].index(name) + 1) ~ ')' %}
        case
            {%- if name not in var('census_columns')['employee_id'] %}
            when census_checked.is_malformed_row then null
            {%- endif %}
            when {{ value }} like '"%"' then replace(substr({{ value }}, 2, length({{ value }}) - 2), '""', '"')
            else {{ value }}
        end as {{ name }}{% if not loop.last %},{% endif %}
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as {{ name }}{% if not loop.last %},{% endif %}
        {%- endif %}
        {%- endfor %}
    from census_checked
{%- endmacro %}
