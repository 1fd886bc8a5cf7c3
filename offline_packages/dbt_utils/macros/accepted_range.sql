{#- Offline stand-in for dbt_utils.accepted_range (written from the docs).
    min_value / max_value may be literals, column names or SQL expressions; either may
    be omitted. inclusive=true uses >= / <=, inclusive=false uses > / <. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
{%- if min_value is none and max_value is none -%}
  {{ exceptions.raise_compiler_error("accepted_range: give min_value, max_value or both") }}
{%- endif -%}
{%- set lower_op = '>=' if inclusive else '>' -%}
{%- set upper_op = '<=' if inclusive else '<' %}
select *
from {{ model }}
where 1 = 2
{%- if min_value is not none %}
   or not ({{ column_name }} {{ lower_op }} {{ min_value }})
{%- endif %}
{%- if max_value is not none %}
   or not ({{ column_name }} {{ upper_op }} {{ max_value }})
{%- endif %}
{% endtest %}
