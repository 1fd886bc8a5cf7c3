{#- Every accepted census column name (var census_columns), in order, lower case. -#}
{% macro census_alias_names() -%}
    {%- set names = [] -%}
    {%- for aliases in var('census_columns').values() -%}
        {%- for alias in aliases -%}{%- do names.append(alias | lower) -%}{%- endfor -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}
