{#- Whether the whole text matches the regular expression `pattern` (its text, without quotes). -#}
{% macro regexp_matches_whole(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_matches_whole', 'planalign')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_matches_whole(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regexp_matches_whole(expr, pattern) -%}
    ({{ expr }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}
