{#-
    The metrics that comparisons and Monte Carlo bands report, each a column of rpt_year_audit:
    (name, how a horizon of several years sums it up: 'sum' for flows, 'first' / 'last' for stocks
    and rates, 'ratio' for a ratio of two flows: the sum of its numerator over the sum of its
    denominator, the <name>_numerator and <name>_denominator columns rpt_scenario_metrics makes).
    New metrics go at the end, so that the existing ones keep their metric_sort.
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
        ('employer_cost_present_value', 'sum'),
        ('net_employer_cost_present_value', 'sum'),
        ('employer_cost_pct_of_pay', 'ratio'),
        ('employer_cost_per_participant', 'ratio'),
    ]) }}
{%- endmacro %}
