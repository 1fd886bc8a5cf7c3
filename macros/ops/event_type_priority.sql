{#- Order of events of one employee on the same day: a hire first, a termination last. -#}
{% macro event_type_priority(event_type_expr) -%}
    case {{ event_type_expr }}
        when 'hire' then 10
        when 'promotion' then 40
        when 'raise' then 50
        when 'termination' then 90
        else 60
    end
{%- endmacro %}
