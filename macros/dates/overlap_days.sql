{#-
    Days (inclusive) that the window [window_start, window_end] shares with
    [span_start, span_end]; 0 when they do not meet or the window has no start.
-#}
{% macro overlap_days(window_start, window_end, span_start, span_end) -%}
    case
        when {{ window_start }} is null then 0
        else greatest(0, {{ dbt.datediff(
            'greatest(' ~ window_start ~ ', ' ~ span_start ~ ')',
            'least(' ~ window_end ~ ', ' ~ span_end ~ ')', 'day') }} + 1)
    end
{%- endmacro %}
