{#- A predicate: the column is one of this invocation's replications. -#}
{% macro replication_filter(column='replication_id') -%}
    {{ column }} in ({{ replication_list() | join(', ') }})
{%- endmacro %}
