{#-
    A pay band bound of job_levels as it stands in the simulated year: the table's value (the
    bands of workforce.pay_band_year, by default the start year, the census's year) moved by
    pay_band_increase a year, round(bound x (1 + pay_band_increase) ^ (year - band year), 2). At 0
    it is the column as it is, with no arithmetic, so a run without the setting is unchanged.
-#}
{% macro pay_band(column) -%}
    {%- set rate = var('pay_band_increase') | float -%}
    {%- if rate == 0 -%}
        {{ column }}
    {%- else -%}
        round({{ column }} * power({{ 1 + rate }}, {{ sim_year() - pay_band_year() }}), 2)
    {%- endif -%}
{%- endmacro %}
