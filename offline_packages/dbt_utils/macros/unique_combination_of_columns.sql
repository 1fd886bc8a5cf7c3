{#- Offline stand-in for dbt_utils.unique_combination_of_columns (written from the docs).
    Fails with one row per combination of the given columns that occurs more than once. -#}
{% test unique_combination_of_columns(model, combination_of_columns, quote_columns=false) %}
{%- if combination_of_columns is string -%}
  {%- set combination_of_columns = [combination_of_columns] -%}
{%- endif -%}
{%- set cols = [] -%}
{%- for col in combination_of_columns -%}
  {%- do cols.append(adapter.quote(col) if quote_columns else col) -%}
{%- endfor -%}
{%- set col_list = cols | join(', ') %}
select {{ col_list }}, count(*) as n_records
from {{ model }}
group by {{ col_list }}
having count(*) > 1
{% endtest %}
