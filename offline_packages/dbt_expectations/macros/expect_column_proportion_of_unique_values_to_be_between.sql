{#- Offline stand-in for dbt_expectations.expect_column_proportion_of_unique_values_to_be_between
    (written from the docs). Proportion = count(distinct col) / count(col), e.g. [1,2,2,3,3,3,4,4,4,4]
    gives 0.4. Returns the (group of the) proportion outside [min_value, max_value] (open if strictly). -#}
{% test expect_column_proportion_of_unique_values_to_be_between(model, column_name, min_value=None, max_value=None, group_by=None, row_condition=None, strictly=False) %}
{%- if min_value is none and max_value is none -%}
  {{ exceptions.raise_compiler_error("expect_column_proportion_of_unique_values_to_be_between: give min_value, max_value or both") }}
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
        count(distinct {{ column_name }}) * 1.0 / nullif(count({{ column_name }}), 0) as expression
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
