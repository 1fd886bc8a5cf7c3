{#- Offline stand-in for dbt_utils.expression_is_true (written from the docs).
    Returns the rows for which the expression is false. Used on a column, the
    expression is applied to it: `<column_name> <expression>`. -#}
{% test expression_is_true(model, expression, column_name=None) %}
{%- set check = (column_name ~ ' ' ~ expression) if column_name is not none else expression %}
select *
from {{ model }}
where not ({{ check }})
{% endtest %}
