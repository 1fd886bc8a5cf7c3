{#-
    The metrics that comparisons and Monte Carlo bands report, each a column of rpt_year_audit:
    (name, how a horizon of several years sums it up: 'sum' for flows, 'first' / 'last' for stocks
    and rates).
-#}
{% macro scenario_metrics() -%}
    {{ return([
        ('start_headcount', 'first'),
        ('hires', 'sum'),
        ('terminations', 'sum'),
        ('end_headcount', 'last'),
        ('average_compensation', 'last'),
        ('total_prorated_compensation', 'sum'),
        ('eligible_count', 'last'),
        ('participant_count', 'last'),
        ('participation_rate', 'last'),
        ('average_deferral_rate', 'last'),
        ('employee_contributions', 'sum'),
        ('employer_match', 'sum'),
        ('employer_core', 'sum'),
        ('employer_cost', 'sum'),
        ('forfeitures', 'sum'),
        ('gross_employer_cost', 'sum'),
        ('forfeitures_used', 'sum'),
        ('net_employer_cost', 'sum'),
        ('active_balances', 'last'),
    ]) }}
{%- endmacro %}
