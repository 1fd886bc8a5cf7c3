{#-
    The distinct values of a text expression over the group's rows where `condition` holds, sorted and joined
    with `separator`; null when there is none (an aggregate).
-#}
{% macro distinct_text_list(expr, separator, condition) -%}
    {{ return(adapter.dispatch('distinct_text_list', 'planalign')(expr, separator, condition)) }}
{%- endmacro %}

{% macro default__distinct_text_list(expr, separator, condition) -%}
    string_agg(distinct {{ expr }}, '{{ separator }}' order by {{ expr }}) filter (where {{ condition }})
{%- endmacro %}

{% macro spark__distinct_text_list(expr, separator, condition) -%}
    nullif(array_join(array_sort(collect_set({{ expr }}) filter (where {{ condition }})), '{{ separator }}'), '')
{%- endmacro %}
