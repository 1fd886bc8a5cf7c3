{#-
    The rows' JSON texts as one JSON array (text), ordered by order_by_columns (a list of
    column expressions); '[]' when there are no rows. Spark's listagg ignores the order,
    so Spark sorts the collected list itself.
-#}
{% macro json_array_agg(json_expression, order_by_columns) -%}
    {{ return(adapter.dispatch('json_array_agg', 'planalign')(json_expression, order_by_columns)) }}
{%- endmacro %}

{% macro default__json_array_agg(json_expression, order_by_columns) -%}
    '[' || coalesce({{ dbt.listagg(json_expression, "','", 'order by ' ~ order_by_columns | join(', ')) }}, '') || ']'
{%- endmacro %}

{% macro spark__json_array_agg(json_expression, order_by_columns) -%}
    '[' || array_join(transform(array_sort(collect_list(named_struct(
        'sort_key', struct({{ order_by_columns | join(', ') }}), 'json_text', {{ json_expression }}
    ))), element -> element.json_text), ',') || ']'
{%- endmacro %}
