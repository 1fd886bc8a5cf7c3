{#-
    One row as a JSON object (text), keys in alphabetical order so that the text is
    deterministic: column_types maps each column of `relation_alias` to its SQL type.
-#}
{% macro json_object_text(relation_alias, column_types) -%}
    '{'
    {%- for name in column_types.keys() | sort %}
    || '{{ "," if not loop.first }}"{{ name }}":' || {{ json_scalar(relation_alias ~ '.' ~ name, column_types[name]) }}
    {%- endfor %}
    || '}'
{%- endmacro %}
