{#-
    Fails the build when the stored table's columns (names, order and types) are not the model's contract:
    a database built by another version of PlanAlign. The message is the one dbt's incremental
    materialization gives with on_schema_change 'fail', which the CLI turns into its one-line explanation.
-#}
{% macro year_append_check_stored_columns(relation) -%}
    {%- set stored = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do stored.append(column.name | lower ~ ' ' ~ column.dtype | lower) -%}
    {%- endfor -%}
    {%- set declared = [] -%}
    {%- for column in model['columns'].values() -%}
        {#- the contracts write text `string` (DuckDB and Spark both take it; dbt reads it as text); DuckDB
            stores it as varchar -#}
        {%- set declared_type = (column.data_type or '') | lower -%}
        {%- do declared.append(column.name | lower ~ ' '
            ~ ('varchar' if declared_type in ['string', 'text'] else declared_type)) -%}
    {%- endfor -%}
    {%- if stored != declared -%}
        {%- set missing = declared | reject('in', stored) | list -%}
        {%- set extra = stored | reject('in', declared) | list -%}
        {{ exceptions.raise_compiler_error(
            "The source and target schemas on this incremental model are out of sync! "
            ~ relation ~ " stores columns that this model's contract does not declare: "
            ~ (extra | join(', ') or 'none') ~ "; declared but not stored as declared: "
            ~ (missing | join(', ') or 'none') ~ " (same columns in another order if both are none).") }}
    {%- endif -%}
{%- endmacro %}
