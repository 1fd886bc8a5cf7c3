{#- Order of events of one employee on the same day: a hire first, then plan changes, pay changes, contributions, corrections of a failed test, the top-heavy minimum and forfeitures, a termination last. -#}
{% macro event_type_priority(event_type_expr) -%}
    case {{ event_type_expr }}
        when 'hire' then 10
        when 'deferral_escalation' then 15
        when 'deferral_change' then 16
        when 'eligibility' then 20
        when 'enrollment' then 25
        when 'opt_out' then 30
        when 'promotion' then 40
        when 'raise' then 50
        when 'employee_contribution' then 70
        when 'employer_match' then 72
        when 'employer_core' then 74
        when 'qnec' then 76
        when 'corrective_distribution' then 78
        when 'top_heavy_minimum' then 79
        when 'forfeiture' then 80
        when 'termination' then 90
        else 60
    end
{%- endmacro %}
