{#-
    A parameter of a report query in analyses/: under dbt (compile, SQLFluff) the var as a SQL
    literal, default when unset; when the CLI reads the file (scripts/store/db.py) it becomes the
    DuckDB named parameter $<name>, bound to the value the user gave.
-#}
{% macro report_param(name, default) -%}
    {{ sql_literal(var(name, default)) }}
{%- endmacro %}
