{% macro year_start_date(year=none) -%}
    cast('{{ sim_year() if year is none else year }}-01-01' as date)
{%- endmacro %}
