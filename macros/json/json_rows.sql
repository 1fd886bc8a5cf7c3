{#-
    The rows of a JSON array of objects (text, as dim_assumptions.rows_json holds them) as columns:
    a select-list expression that makes one output row per array element, with one column per
    entry of column_types (name -> SQL type). Keys the mapping does not name are ignored.
-#}
{% macro json_rows(json_expression, column_types) -%}
    {{ return(adapter.dispatch('json_rows', 'planalign')(json_expression, column_types)) }}
{%- endmacro %}

{% macro default__json_rows(json_expression, column_types) -%}
    {%- set shape = [] -%}
    {%- for name, data_type in column_types.items() -%}
        {%- do shape.append('"' ~ name ~ '": "' ~ data_type | upper ~ '"') -%}
    {%- endfor -%}
    unnest(from_json({{ json_expression }}, '[{{ "{" ~ shape | join(", ") ~ "}" }}]'), recursive := true)
{%- endmacro %}

{#- Spark: inline() makes the rows and columns of the parsed array of structs -#}
{% macro spark__json_rows(json_expression, column_types) -%}
    {%- set shape = [] -%}
    {%- for name, data_type in column_types.items() -%}
        {%- do shape.append(name ~ ': ' ~ engine_type(data_type)) -%}
    {%- endfor -%}
    inline(from_json({{ json_expression }}, 'array<struct<{{ shape | join(", ") }}>>'))
{%- endmacro %}
