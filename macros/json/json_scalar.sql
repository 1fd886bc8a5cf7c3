{#-
    A column as JSON text, by its SQL type: text quoted (backslash, double quote and
    newline escaped), booleans true/false, numbers as the engine writes them; null as
    null. Portable: plain concatenation, replace() and chr().
-#}
{% macro json_scalar(expression, data_type) -%}
    {%- set kind = data_type | lower -%}
    {%- if kind == 'boolean' -%}
        case when {{ expression }} then 'true' when not {{ expression }} then 'false' else 'null' end
    {%- elif kind.startswith('varchar') or kind in ['string', 'text'] or kind == dbt.type_string() | lower -%}
        coalesce('"' || replace(replace(replace({{ expression }}, chr(92), chr(92) || chr(92)), chr(34), chr(92) || chr(34)), chr(10), chr(92) || 'n') || '"', 'null')
    {%- else -%}
        coalesce(cast({{ expression }} as {{ dbt.type_string() }}), 'null')
    {%- endif -%}
{%- endmacro %}
