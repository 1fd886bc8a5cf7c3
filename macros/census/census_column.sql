{#- The first non-blank value among a census column's accepted names, trimmed. -#}
{% macro census_column(canonical_name) -%}
    {%- set aliases = var('census_columns')[canonical_name] -%}
    nullif(trim(coalesce({% for alias in aliases %}nullif(trim({{ alias }}), ''){% if not loop.last %}, {% endif %}{% endfor %})), '')
{%- endmacro %}
