{#-
    The var assumptions, passed by the CLI (scripts/engine/assumptions.py): a mapping of every
    assumption table's name to {source, sha256, row_count, columns, rows}. source is 'seed' (rows
    null: the models read the shipped seed) or the file the scenario's rows came from; columns
    maps each column to the seed's type (seeds/_seeds.yml). Empty when the var is absent (a
    plain dbt build): every table is the seed.
-#}
{% macro assumption_tables() -%}
    {%- set tables = var('assumptions') -%}
    {%- if tables is none -%}
        {{ return({}) }}
    {%- endif -%}
    {%- if tables is not mapping -%}
        {{ exceptions.raise_compiler_error("var assumptions must be a mapping of table name -> table, got: " ~ tables) }}
    {%- endif -%}
    {{ return(tables) }}
{%- endmacro %}
