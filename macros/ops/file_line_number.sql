{#-
    The line number of a row of a file read as lines, in file order (census_file()): DuckDB reads a file in
    order (insertion_order_kept); Spark numbers the lines by the position it read them at (census_file_position,
    increasing through the file).
-#}
{% macro file_line_number() -%}
    {{ return(adapter.dispatch('file_line_number', 'planalign')()) }}
{%- endmacro %}

{% macro default__file_line_number() -%}
    row_number() over ()
{%- endmacro %}

{% macro spark__file_line_number() -%}
    row_number() over (order by census_file_position)
{%- endmacro %}
