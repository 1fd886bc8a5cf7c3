{#-
    The year whose bands job_levels holds: workforce.pay_band_year when a scenario sets it (a
    census that is a later snapshot of a run that started with these bands), else the start year.
-#}
{% macro pay_band_year() -%}
    {{ return((var('pay_band_year') if var('pay_band_year') is not none else var('start_year')) | int) }}
{%- endmacro %}
