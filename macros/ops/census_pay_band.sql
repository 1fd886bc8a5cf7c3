{#-
    A pay band bound of job_levels as it stands on the census's date (Jan 1 of the start year), for
    the census's band check and the level of a census row without one. Without
    workforce.pay_band_year the table holds the start year's bands: the column as it is (the SQL
    of a run without the setting is unchanged). With it, the bands moved from that year to the
    start year, rounded as pay_band() rounds them.
-#}
{% macro census_pay_band(column) -%}
    {%- set rate = var('pay_band_increase') | float -%}
    {%- if var('pay_band_year') is none or rate == 0 -%}
        {{ column }}
    {%- else -%}
        round({{ column }} * power({{ 1 + rate }}, {{ (var('start_year') | int) - pay_band_year() }}), 2)
    {%- endif -%}
{%- endmacro %}
