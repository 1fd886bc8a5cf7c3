{#-
    Every census column, under every accepted name, as text, plus census_row_number
    (the row's position in the file). Columns absent from the file come back as nulls,
    so optional columns and other layouts need no special case.
-#}
{% macro census_text_columns(relation) -%}
    {{ return(adapter.dispatch('census_text_columns', 'planalign')(relation)) }}
{%- endmacro %}

{% macro default__census_text_columns(relation) -%}
    {%- set names = [] -%}
    {%- for aliases in var('census_columns').values() -%}
        {%- for alias in aliases -%}{%- do names.append(alias) -%}{%- endfor -%}
    {%- endfor %}
    select
        cast(null as bigint) as census_row_number,
        {% for name in names -%}
        cast(null as {{ dbt.type_string() }}) as {{ name }}{% if not loop.last %},{% endif %}
        {% endfor %}
    where false
    union all by name
    select
        row_number() over () as census_row_number,
        cast(columns(*) as {{ dbt.type_string() }})
    from {{ relation }}
{%- endmacro %}
