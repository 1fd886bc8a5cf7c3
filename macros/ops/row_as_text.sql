{#- A row of values as one text (the input of a row digest): DuckDB's row(...) cast to text, Spark's struct. -#}
{% macro row_as_text(expressions) -%}
    {{ return(adapter.dispatch('row_as_text', 'planalign')(expressions)) }}
{%- endmacro %}

{% macro default__row_as_text(expressions) -%}
    cast(row(
            {{ expressions | join(',\n            ') }}
        ) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro spark__row_as_text(expressions) -%}
    cast(struct({{ expressions | join(', ') }}) as string)
{%- endmacro %}
