{#- Offline stand-in for dbt_expectations.expect_column_values_to_not_be_null (written from the docs).
    Returns the rows (matching row_condition, if given) where the column is null. -#}
{% test expect_column_values_to_not_be_null(model, column_name, row_condition=None) %}
select *
from {{ model }}
where {{ column_name }} is null
{%- if row_condition %}
  and ({{ row_condition }})
{%- endif %}
{% endtest %}
