{#- Offline stand-in for dbt_expectations.expect_column_mean_to_be_between (written from the docs).
    Returns the (group of the) mean that is outside [min_value, max_value] (open bounds if strictly). -#}
{% test expect_column_mean_to_be_between(model, column_name, min_value=None, max_value=None, group_by=None, row_condition=None, strictly=False) %}
{%- if min_value is none and max_value is none -%}
  {{ exceptions.raise_compiler_error("expect_column_mean_to_be_between: give min_value, max_value or both") }}
{%- endif -%}
{%- set checks = [] -%}
{%- if min_value is not none -%}
  {%- do checks.append('expression' ~ (' > ' if strictly else ' >= ') ~ min_value) -%}
{%- endif -%}
{%- if max_value is not none -%}
  {%- do checks.append('expression' ~ (' < ' if strictly else ' <= ') ~ max_value) -%}
{%- endif %}
with grouped_expression as (
    select
        {% for col in (group_by or []) %}{{ col }}, {% endfor %}
        avg({{ column_name }}) as expression
    from {{ model }}
    {%- if row_condition %}
    where {{ row_condition }}
    {%- endif %}
    {%- if group_by %}
    group by {{ group_by | join(', ') }}
    {%- endif %}
)
select *
from grouped_expression
where not ({{ checks | join(' and ') }})
{% endtest %}
