{#-
    The IRS limits that apply in the simulated year. A published year is used as is;
    a later year indexes the last published values by var('limit_indexing_rate') per
    year, rounded down to the IRS increments in var('limit_rounding'), and is flagged
    is_estimated. No row when the year is before the first published year (the
    critical row-count test then stops the year).
-#}
{%- set rounding = var('limit_rounding') -%}
{%- set limit_columns = {
    'elective_deferral_limit': rounding['elective_deferral'],
    'catch_up_limit': rounding['catch_up'],
    'super_catch_up_limit': rounding['super_catch_up'],
    'annual_additions_limit': rounding['annual_additions'],
    'compensation_limit': rounding['compensation'],
} -%}

with

irs_limits as (
    select
        limit_year,
        {% for column in limit_columns -%}
            {{ column }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from {{ ref('irs_limits') }}
),

latest_published as (
    select irs_limits.*
    from irs_limits
    where irs_limits.limit_year <= {{ sim_year() }}
    qualify row_number() over (order by irs_limits.limit_year desc nulls last) = 1
),

indexed as (
    select
        latest_published.*,
        {{ sim_year() }} - latest_published.limit_year as years_indexed,
        power(
            1 + cast({{ var('limit_indexing_rate') }} as {{ type_double() }}),
            {{ sim_year() }} - latest_published.limit_year
        ) as index_factor
    from latest_published
),

final as (
    select
        cast({{ sim_year() }} as integer) as simulation_year,
        cast(indexed.limit_year as integer) as published_year,
        indexed.years_indexed > 0 as is_estimated,
        {% for column, increment in limit_columns.items() -%}
            cast(case
                when indexed.years_indexed = 0 then indexed.{{ column }}
                else floor(indexed.{{ column }} * indexed.index_factor / {{ increment }}) * {{ increment }}
            end as decimal(18, 2)) as {{ column }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from indexed
)

select * from final
