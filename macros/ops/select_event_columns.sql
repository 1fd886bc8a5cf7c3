{#-
    Select an event model's rows in the event store's schema: each payload column cast
    to its type, or a typed null where the model does not produce it, after the
    row's replication_id.
-#}
{% macro select_event_columns(relation) -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif %}
    select
        cast(replication_id as integer) as replication_id,
        {% for name, data_type in event_payload_columns() -%}
        cast({{ name if name in present else 'null' }} as {{ data_type }}) as {{ name }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from {{ relation }}
{%- endmacro %}
