{#- Offline stand-in for dbt_expectations.expect_column_values_to_be_in_set (written from the docs).
    Returns the rows whose value is not in value_set (a null value is not in the set).
    quote_values=true renders the values as string literals, false as written. -#}
{% test expect_column_values_to_be_in_set(model, column_name, value_set, quote_values=True, row_condition=None) %}
{%- if value_set is string -%}
  {%- set value_set = [value_set] -%}
{%- endif -%}
{%- if value_set | length == 0 -%}
  {{ exceptions.raise_compiler_error("expect_column_values_to_be_in_set: value_set is empty") }}
{%- endif -%}
{%- set literals = [] -%}
{%- for v in value_set -%}
  {%- if quote_values -%}
    {%- do literals.append("'" ~ (v | string | replace("'", "''")) ~ "'") -%}
  {%- else -%}
    {%- do literals.append(v | string) -%}
  {%- endif -%}
{%- endfor %}
select *
from {{ model }}
where ({{ column_name }} is null or {{ column_name }} not in ({{ literals | join(', ') }}))
{%- if row_condition %}
  and ({{ row_condition }})
{%- endif %}
{% endtest %}
