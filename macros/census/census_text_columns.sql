{#-
    Every census column, under every accepted name, as text, plus census_row_number (the
    data row's position, 1 = the first row after the header), census_line_number (its line
    in a CSV file, 1 = the header; null for Parquet) and is_malformed_row (a CSV line whose
    fields do not match the header). Columns absent from the file come back as nulls, so
    optional columns and other layouts need no special case. CSV lines are split here, not
    by the engine's sniffer, so that one bad line is one rejected row and never stops the
    read; Parquet columns are rendered to text by their type (see census_parquet_text_columns).
-#}
{% macro census_text_columns(relation) -%}
    {{ return(adapter.dispatch('census_text_columns', 'planalign')(relation)) }}
{%- endmacro %}

{% macro default__census_text_columns(relation) -%}
    {%- if (var('census_path') | lower).endswith('.parquet') -%}
        {{ census_parquet_text_columns(relation) }}
    {%- else -%}
        {{ census_csv_text_columns(relation) }}
    {%- endif -%}
{%- endmacro %}
