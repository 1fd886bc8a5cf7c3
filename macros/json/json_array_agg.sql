{#- The rows' JSON texts as one JSON array (text) in the given order; '[]' when there are no rows. -#}
{% macro json_array_agg(json_expression, order_by_clause) -%}
    '[' || coalesce({{ dbt.listagg(json_expression, "','", order_by_clause) }}, '') || ']'
{%- endmacro %}
