{#-
    A list of mappings (e.g. from a var) as a typed relation: one `select` per row, each
    value cast to its column's type, joined with `union all`. column_types is an ordered
    mapping name -> type (see plan_seed_column_types); constants adds the same values to every
    row; keys listed in ignore_keys may be present and are left out. An empty list gives
    a typed relation with no rows. A row without one of the columns, or with a key that is
    not a column, is a compile error (`label` names the list in the message).
-#}
{% macro rows_as_relation(rows, column_types, constants={}, ignore_keys=[], label='rows') -%}
    {%- if rows is none or rows is string or rows is mapping or rows is not iterable -%}
        {{ exceptions.raise_compiler_error(label ~ " must be a list of mappings, got: " ~ rows) }}
    {%- endif -%}
    {%- if rows | length == 0 %}
    select
        {%- for name, data_type in column_types.items() %}
        cast(null as {{ engine_type(data_type) }}) as {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    where 1 = 0
    {%- endif -%}
    {%- for row in rows -%}
        {%- set row_number = loop.index -%}
        {%- if row is not mapping -%}
            {{ exceptions.raise_compiler_error(label ~ "[" ~ row_number ~ "] must be a mapping, got: " ~ row) }}
        {%- endif -%}
        {%- set values = {} -%}
        {%- do values.update(row) -%}
        {%- do values.update(constants) -%}
        {%- for key in values if key not in column_types and key not in ignore_keys -%}
            {{ exceptions.raise_compiler_error(label ~ "[" ~ row_number ~ "] has an unknown key " ~ key ~ " (expected: " ~ column_types.keys() | join(', ') ~ ")") }}
        {%- endfor -%}
        {%- for name in column_types if name not in values -%}
            {{ exceptions.raise_compiler_error(label ~ "[" ~ row_number ~ "] has no " ~ name ~ " (expected: " ~ column_types.keys() | join(', ') ~ ")") }}
        {%- endfor %}
    select
        {%- for name, data_type in column_types.items() %}
        cast({{ sql_literal(values[name]) }} as {{ engine_type(data_type) }}) as {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    {%- if not loop.last %}
    union all
    {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
