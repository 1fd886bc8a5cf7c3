{#- A date of the simulated year from a 'MM-DD' scenario setting. -#}
{% macro date_in_year(month_day, year=none) -%}
    cast('{{ sim_year() if year is none else year }}-{{ month_day }}' as date)
{%- endmacro %}
