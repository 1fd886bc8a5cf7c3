{#-
    The one source of randomness: u = uniform(seed, replication, key, year, purpose) in (0, 1).
    It is md5 of the joined key, its first 13 hex digits (52 bits) read as an integer,
    shifted by half a step so that u is never 0 or 1 (safe under ln()). The same key
    gives the same u on any thread count, row order, or engine that dispatches
    hex_to_bigint correctly. The scenario and plan design are not in the key (common
    random numbers): scenarios compared side by side see the same draws. The replication
    is: `replication` is the SQL expression of the row's replication_id, and is required.
-#}
{% macro uniform_draw(key_expr, purpose, year=none, replication=none) -%}
    {%- if replication is none -%}
        {{ exceptions.raise_compiler_error(
            "uniform_draw('" ~ purpose ~ "') needs replication=<the row's replication_id column>") }}
    {%- endif -%}
    {{ return(adapter.dispatch('uniform_draw', 'planalign')(key_expr, purpose, year, replication)) }}
{%- endmacro %}

{% macro default__uniform_draw(key_expr, purpose, year=none, replication=none) -%}
    {%- set draw_year = sim_year() if year is none else year -%}
    {%- set study = var('sensitivity_points') -%}
    {%- if study -%}
        {%- set replication = '((' ~ replication ~ ') - 1) % ' ~ study['draws'] ~ ' + ' ~ study['first_draw'] -%}
    {%- endif -%}
    {%- set hashed -%}
        md5(concat_ws('|',
            '{{ var("random_seed") }}',
            cast({{ replication }} as {{ dbt.type_string() }}),
            cast({{ key_expr }} as {{ dbt.type_string() }}),
            '{{ draw_year }}',
            '{{ purpose }}'))
    {%- endset -%}
    ((cast({{ hex_to_bigint("substr(" ~ hashed ~ ", 1, 13)") }} as {{ type_double() }}) + 0.5)
        / cast(4503599627370496 as {{ type_double() }}))
{%- endmacro %}
