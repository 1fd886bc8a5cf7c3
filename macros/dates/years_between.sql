{#- Exact years between two dates: days / 365.25. -#}
{% macro years_between(from_date, to_date) -%}
    (cast({{ dbt.datediff(from_date, to_date, 'day') }} as {{ type_double() }}) / 365.25)
{%- endmacro %}
