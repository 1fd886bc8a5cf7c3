{#-
    A participant-behaviour rate moved by the shift setting `name` (in points; 0 is neutral), per replication:
    `rate` plus the setting (uncertain_setting: its var, or with parameter_uncertainty a draw per replication),
    kept inside [lowest, highest] and cast to `type`. A missing rate stays missing (DuckDB's greatest() would
    turn it into `lowest`). With the setting at 0 and not drawn the SQL is `rate` itself: a run without the
    shift keeps its SQL and its results (docs/rules.md, "Assumption uncertainty").
-#}
{% macro shifted_rate(rate, name, replication, lowest='0', highest='1', type='decimal(10, 6)') -%}
    {%- if var(name) != 0 or setting_varies(name) -%}
        case when {{ rate }} is not null then cast(least({{ highest }}, greatest({{ lowest }},
            {{ rate }} + {{ uncertain_setting(name, replication, type_double()) }})) as {{ type }}) end
    {%- else -%}
        {{ rate }}
    {%- endif -%}
{%- endmacro %}
