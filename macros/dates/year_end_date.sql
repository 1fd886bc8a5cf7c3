{% macro year_end_date(year=none) -%}
    cast('{{ sim_year() if year is none else year }}-12-31' as date)
{%- endmacro %}
