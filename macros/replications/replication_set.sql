{#- This invocation's replication set as the report models name it: single (replication 0) or monte_carlo. -#}
{% macro replication_set() -%}
    {{ return('single' if replication_list() == [0] else 'monte_carlo') }}
{%- endmacro %}
