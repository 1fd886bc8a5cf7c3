{% macro days_in_year(year=none) -%}
    ({{ dbt.datediff(year_start_date(year), year_end_date(year), 'day') }} + 1)
{%- endmacro %}
