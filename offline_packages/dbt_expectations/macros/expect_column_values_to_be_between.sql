{#- Offline stand-in for dbt_expectations.expect_column_values_to_be_between (written from the docs).
    Returns the rows whose value is outside [min_value, max_value] (open bounds if strictly). -#}
{% test expect_column_values_to_be_between(model, column_name, min_value=None, max_value=None, row_condition=None, strictly=False) %}
{%- if min_value is none and max_value is none -%}
  {{ exceptions.raise_compiler_error("expect_column_values_to_be_between: give min_value, max_value or both") }}
{%- endif -%}
{%- set checks = [] -%}
{%- if min_value is not none -%}
  {%- do checks.append(column_name ~ (' > ' if strictly else ' >= ') ~ min_value) -%}
{%- endif -%}
{%- if max_value is not none -%}
  {%- do checks.append(column_name ~ (' < ' if strictly else ' <= ') ~ max_value) -%}
{%- endif %}
select *
from {{ model }}
where not ({{ checks | join(' and ') }})
{%- if row_condition %}
  and ({{ row_condition }})
{%- endif %}
{% endtest %}
