{#- The first day of the month or quarter on or after date_expr (period: 'month' or 'quarter'). -#}
{% macro period_entry_date(date_expr, period) -%}
    {%- set period_start = 'cast(' ~ dbt.date_trunc(period, date_expr) ~ ' as date)' -%}
    case
        when {{ date_expr }} = {{ period_start }} then {{ date_expr }}
        else cast({{ dbt.dateadd('month', 3 if period == 'quarter' else 1, period_start) }} as date)
    end
{%- endmacro %}
