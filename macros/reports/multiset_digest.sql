{#-
    An order-independent digest of a group of rows, as an aggregate: each row's md5 (row_md5, 32 hex
    digits) gives two 60-bit numbers; their sums over the group (exact decimals) and the row count are
    hashed once more. It streams (no string of the whole group), so large groups spill like any sum.
-#}
{% macro multiset_digest(row_md5) -%}
    md5(
        cast(count(*) as {{ dbt.type_string() }})
        || ':' || cast(sum(cast({{ hex_to_bigint('substr(' ~ row_md5 ~ ', 1, 15)') }} as decimal(38, 0))) as {{ dbt.type_string() }})
        || ':' || cast(sum(cast({{ hex_to_bigint('substr(' ~ row_md5 ~ ', 16, 15)') }} as decimal(38, 0))) as {{ dbt.type_string() }})
    )
{%- endmacro %}
