{#-
    Select an event model's rows in the event store's schema: each payload column cast
    to its type, or a typed null where the model does not produce it, after the
    row's replication_id. The columns a model produces are read from the database, or, for
    an ephemeral event model (written nowhere but the event store), from its YAML, which
    must then list every column it produces.
-#}
{% macro select_event_columns(relation, model_name) -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ model_name) -%}
        {%- if node is not none and node.config.materialized == 'ephemeral' -%}
            {%- set present = documented_columns(model_name) -%}
            {%- if not present -%}
                {{ exceptions.raise_compiler_error(
                    "Event model " ~ model_name ~ " is ephemeral but its YAML lists no columns; "
                    ~ "list every column it produces, or materialize it as a table") }}
            {%- endif -%}
        {%- else -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do present.append(column.name | lower) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif %}
    select
        cast(replication_id as integer) as replication_id,
        {% for name, data_type in event_payload_columns() -%}
        cast({{ name if name in present else 'null' }} as {{ data_type }}) as {{ name }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from {{ relation }}
{%- endmacro %}
