{#-
    The IRS limits of one year, as the query int_irs_limits_resolved runs: a published year as is; a later
    year indexes the last published values by var('limit_indexing_rate') per year, rounded down to the IRS
    increments (var('limit_rounding'); $5,000 for the 414(q) and 416(i) thresholds, fixed by statute), flagged
    is_estimated. A year before the first published one gives no row, unless earliest_before_first: then the
    first published year's values (the look-back year of a start year before the table begins).
-#}
{% macro resolved_irs_limits(year, earliest_before_first=false) -%}
{%- set rounding = var('limit_rounding') -%}
{%- set limit_columns = {
    'elective_deferral_limit': rounding['elective_deferral'],
    'catch_up_limit': rounding['catch_up'],
    'super_catch_up_limit': rounding['super_catch_up'],
    'annual_additions_limit': rounding['annual_additions'],
    'compensation_limit': rounding['compensation'],
} -%}
{#- The 414(q), 416(i) and 414(v)(7) dollar thresholds are indexed in $5,000 steps by statute (IRC §414(q)(1),
    §416(i)(1)(A) through §415(d)(4); §414(v)(7)(A) through §415(d)), not a setting. -#}
{%- set threshold_columns = {
    'hce_compensation_threshold': 5000,
    'key_employee_compensation_threshold': 5000,
    'roth_catch_up_wage_threshold': 5000,
} -%}

with

irs_limits as (
    select
        limit_year,
        {% for column in limit_columns -%}
            {{ column }},
        {% endfor -%}
        {% for column in threshold_columns -%}
            {{ column }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from {{ ref('irs_limits') }}
),

latest_published as (
    select irs_limits.*
    from irs_limits
    {%- if earliest_before_first %}
    qualify row_number() over (
        order by irs_limits.limit_year <= {{ year }} desc, abs(irs_limits.limit_year - {{ year }}), irs_limits.limit_year
    ) = 1
    {%- else %}
    where irs_limits.limit_year <= {{ year }}
    qualify row_number() over (order by irs_limits.limit_year desc nulls last) = 1
    {%- endif %}
),

indexed as (
    select
        latest_published.*,
        greatest({{ year }} - latest_published.limit_year, 0) as years_indexed,
        power(
            1 + cast({{ var('limit_indexing_rate') }} as {{ type_double() }}),
            greatest({{ year }} - latest_published.limit_year, 0)
        ) as index_factor
    from latest_published
),

final as (
    select
        cast({{ year }} as integer) as simulation_year,
        cast(indexed.limit_year as integer) as published_year,
        indexed.years_indexed > 0 as is_estimated,
        {% for column, increment in (limit_columns.items() | list) + (threshold_columns.items() | list) -%}
            cast(case
                when indexed.years_indexed = 0 then indexed.{{ column }}
                else floor(indexed.{{ column }} * indexed.index_factor / {{ increment }}) * {{ increment }}
            end as decimal(18, 2)) as {{ column }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from indexed
)

select * from final
{%- endmacro %}
