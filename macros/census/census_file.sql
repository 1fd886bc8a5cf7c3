{#-
    The census file named by var('census_path') (CSV or Parquet; an Excel workbook reaches dbt as
    the Parquet copy the CLI makes of its sheet, and is refused here), read in place by DuckDB: a
    CSV as raw lines (census_line; census_text_columns splits them, so that a bad line becomes a
    rejected row instead of stopping the read), a Parquet file with its own column types.
    Rendered when the model is compiled, not when dbt parses the project: a run on another
    census reuses the parse (scripts/dbt/runner.py), where a source's external_location, which dbt
    renders while parsing, would force a full parse of the project for every census.
-#}
{% macro census_file() -%}
    {{ return(adapter.dispatch('census_file', 'planalign')()) }}
{%- endmacro %}

{% macro default__census_file() -%}
    {%- set path = var('census_path') | replace("'", "''") -%}
    {%- if path.lower().endswith(('.xlsx', '.xlsm', '.xls')) -%}
        {{ exceptions.raise_compiler_error("census file " ~ var('census_path') ~ " is an Excel workbook, which dbt does not read: run it with the CLI (make simulate CENSUS=...), which hands dbt a Parquet copy of its sheet") }}
    {%- elif path.lower().endswith('.parquet') -%}
        read_parquet('{{ path }}')
    {%- else -%}
        read_csv('{{ path }}', columns = {'census_line': 'VARCHAR'}, header = false, delim = '\0', quote = '', escape = '', auto_detect = false)
    {%- endif -%}
{%- endmacro %}

{#-
    Spark: a CSV as its lines (Spark's text source), each with its position in the file (increasing through
    the file, for file_line_number()). A Parquet census on Spark is not read yet (docs/scaling-out.md).
-#}
{% macro spark__census_file() -%}
    {%- set path = var('census_path') | replace("'", "''") -%}
    {%- if path.lower().endswith(('.xlsx', '.xlsm', '.xls', '.parquet')) -%}
        {{ exceptions.raise_compiler_error("census file " ~ var('census_path') ~ ": on Spark the census is read from a CSV file only so far (docs/scaling-out.md); save it as CSV, or run on DuckDB") }}
    {%- endif -%}
    (
        select
            value as census_line,
            monotonically_increasing_id() as census_file_position
        from text.`{{ path }}`
    ) as census_file
{%- endmacro %}
