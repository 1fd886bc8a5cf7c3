{#-
    The one source of randomness: u = uniform(seed, scenario, key, year, purpose) in (0, 1).
    It is md5 of the joined key, its first 13 hex digits (52 bits) read as an integer,
    shifted by half a step so that u is never 0 or 1 (safe under ln()). The same key
    gives the same u on any thread count, row order, or engine that dispatches
    hex_to_bigint correctly.
-#}
{% macro uniform_draw(key_expr, purpose, year=none) -%}
    {{ return(adapter.dispatch('uniform_draw', 'planalign')(key_expr, purpose, year)) }}
{%- endmacro %}

{% macro default__uniform_draw(key_expr, purpose, year=none) -%}
    {%- set draw_year = sim_year() if year is none else year -%}
    {%- set hashed -%}
        md5(concat_ws('|',
            '{{ var("random_seed") }}',
            '{{ var("scenario_id") }}',
            cast({{ key_expr }} as {{ dbt.type_string() }}),
            '{{ draw_year }}',
            '{{ purpose }}'))
    {%- endset -%}
    ((cast({{ hex_to_bigint("substr(" ~ hashed ~ ", 1, 13)") }} as {{ type_double() }}) + 0.5)
        / cast(4503599627370496 as {{ type_double() }}))
{%- endmacro %}
