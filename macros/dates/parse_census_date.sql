{#-
    A census date as text to a date, or null when it cannot be parsed. A timestamp written
    as text ('2010-01-01 00:00:00+01:00', 2010-01-01T00:00:00Z) gives the date as written
    (its first ten characters), whatever its time or zone.
-#}
{% macro parse_census_date(text_expr) -%}
    {{ return(adapter.dispatch('parse_census_date', 'planalign')(text_expr)) }}
{%- endmacro %}

{% macro default__parse_census_date(text_expr) -%}
    cast(try_strptime(
        case
            when regexp_full_match({{ text_expr }}, '[0-9]{4}-[0-9]{2}-[0-9]{2}[ T].*') then left({{ text_expr }}, 10)
            else {{ text_expr }}
        end,
        ['%Y-%m-%d', '%m/%d/%Y', '%Y/%m/%d']
    ) as date)
{%- endmacro %}

{#- Spark: the same three layouts (a month or day of one or two digits, as DuckDB's %m and %d take them) -#}
{% macro spark__parse_census_date(text_expr) -%}
    coalesce(
        try_to_date(
            case
                when {{ regexp_matches_whole(text_expr, '[0-9]{4}-[0-9]{2}-[0-9]{2}[ T].*') }} then left({{ text_expr }}, 10)
                else {{ text_expr }}
            end,
            'yyyy-M-d'
        ),
        try_to_date({{ text_expr }}, 'M/d/yyyy'),
        try_to_date({{ text_expr }}, 'yyyy/M/d')
    )
{%- endmacro %}
