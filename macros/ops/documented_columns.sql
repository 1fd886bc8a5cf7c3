{#-
    The columns documented (in its YAML) for the model, seed or snapshot named model_name,
    from the manifest without a query; an empty list at parse time or when nothing matches.
-#}
{% macro documented_columns(model_name) -%}
    {%- if not execute or model_name is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type in ['model', 'seed', 'snapshot']
            and ((node.alias or node.name) | lower == model_name | lower) -%}
            {{ return(node.columns.keys() | map('lower') | list) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return([]) }}
{%- endmacro %}
