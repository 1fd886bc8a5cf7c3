{#-
    The banded dimensions of the reports that break people down (rpt_workforce_breakdown,
    rpt_winners_losers): (dimension, the snapshot column banded, the report_*_bands seed holding
    its [min_value, max_value) bands), and one CTE per dimension, named <dimension>s, with the
    seed's bands. report_range_band_ctes() ends with a comma: more CTEs follow it.
-#}
{% macro report_range_dimensions() -%}
    {{ return([
        ('age_band', 'age', 'report_age_bands'),
        ('tenure_band', 'tenure_years', 'report_tenure_bands'),
        ('pay_band', 'annual_compensation', 'report_pay_bands'),
    ]) }}
{%- endmacro %}

{% macro report_range_band_ctes() -%}
    {% for dimension, column, seed in report_range_dimensions() %}
        {{ dimension }}s as (
            select
                band_label,
                band_sort,
                min_value,
                max_value
            from {{ ref(seed) }}
        ),
    {% endfor %}
{%- endmacro %}
