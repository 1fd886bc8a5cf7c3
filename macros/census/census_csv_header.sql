{#-
    The header of a census CSV, read at execution time from its first line: the delimiter
    (whichever of , ; tab | occurs most often in it; a comma on a tie) and the column
    names, lower case, trimmed and unquoted. A name that appears twice stops the build
    (the CLI refuses such a file before anything runs).
-#}
{% macro census_csv_header(relation) -%}
    {%- if not execute -%}
        {{ return({'delimiter': ',', 'names': []}) }}
    {%- endif -%}
    {%- set first = run_query('select census_line from ' ~ relation ~ ' limit 1') -%}
    {%- set line = (first.rows[0][0] if first.rows | length > 0 else none) or '' -%}
    {%- set ns = namespace(delimiter=',', best=0) -%}
    {%- for candidate in [',', ';', '\t', '|'] -%}
        {%- if line.count(candidate) > ns.best -%}
            {%- set ns.delimiter = candidate -%}
            {%- set ns.best = line.count(candidate) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set names = [] -%}
    {%- for raw in line.split(ns.delimiter) -%}
        {%- set name = raw.strip().strip('"').strip().lower() -%}
        {%- if name in names and name != '' -%}
            {{ exceptions.raise_compiler_error("census file " ~ var('census_path') ~ ": the header has the column '" ~ name ~ "' twice") }}
        {%- endif -%}
        {%- do names.append(name) -%}
    {%- endfor -%}
    {{ return({'delimiter': ns.delimiter, 'names': names}) }}
{%- endmacro %}
