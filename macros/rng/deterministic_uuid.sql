{#- A UUID-shaped id that is a pure function of its parts (md5 of the parts joined by '|'). -#}
{% macro deterministic_uuid(parts) -%}
    {%- set hashed -%}
        md5(concat_ws('|', {% for part in parts %}cast({{ part }} as {{ dbt.type_string() }}){% if not loop.last %}, {% endif %}{% endfor %}))
    {%- endset -%}
    (substr({{ hashed }}, 1, 8) || '-' || substr({{ hashed }}, 9, 4) || '-'
        || substr({{ hashed }}, 13, 4) || '-' || substr({{ hashed }}, 17, 4) || '-'
        || substr({{ hashed }}, 21, 12))
{%- endmacro %}
