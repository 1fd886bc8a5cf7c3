{#- This invocation's replications as a relation: one row per id, column replication_id (integer). -#}
{% macro replication_ids() -%}
    {{ return(adapter.dispatch('replication_ids', 'planalign')(replication_list())) }}
{%- endmacro %}

{% macro default__replication_ids(ids) -%}
    select cast(replication_id as integer) as replication_id
    from (values {% for id in ids %}({{ id }}){% if not loop.last %}, {% endif %}{% endfor %}) as replication_values (replication_id)
{%- endmacro %}
