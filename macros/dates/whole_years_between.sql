{#- Completed years from from_date to to_date, counted by anniversaries (a Feb 29 anniversary falls on Mar 1). -#}
{% macro whole_years_between(from_date, to_date) -%}
    (extract(year from {{ to_date }}) - extract(year from {{ from_date }})
        - case
            when extract(month from {{ to_date }}) * 100 + extract(day from {{ to_date }})
                < extract(month from {{ from_date }}) * 100 + extract(day from {{ from_date }}) then 1
            else 0
        end)
{%- endmacro %}
