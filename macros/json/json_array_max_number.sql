{#- The largest number under `key` in a JSON array of objects (text), or 0 when there is none. -#}
{% macro json_array_max_number(json_expression, key) -%}
    {{ return(adapter.dispatch('json_array_max_number', 'planalign')(json_expression, key)) }}
{%- endmacro %}

{% macro default__json_array_max_number(json_expression, key) -%}
    (
            select coalesce(max(cast(tier_end as double)), 0)
            from unnest(json_extract_string({{ json_expression }}, '$[*].{{ key }}')) as tier_ends (tier_end)
        )
{%- endmacro %}

{% macro spark__json_array_max_number(json_expression, key) -%}
    coalesce(array_max(transform(
        from_json({{ json_expression }}, 'array<map<string, string>>'), element -> cast(element['{{ key }}'] as double)
    )), 0)
{%- endmacro %}
