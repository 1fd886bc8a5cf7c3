{#- The day an auto-enrolled employee opts out: 1 to window_days after the auto-enrollment, from a uniform draw. -#}
{% macro opt_out_date(auto_enroll_date, day_draw, window_days) -%}
    {{ add_days(auto_enroll_date, '1 + cast(floor(' ~ day_draw ~ ' * ' ~ window_days ~ ') as integer)') }}
{%- endmacro %}
