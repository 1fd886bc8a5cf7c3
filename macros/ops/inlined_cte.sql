{#-
    Written between a CTE's name and its body (`name as {{ inlined_cte() }} (...)`) in a report view that is read
    one run pair at a time: the CTE is expanded where it is used, so the reader's filter on the pair reaches the
    fact tables' scans. DuckDB would otherwise materialize a CTE used more than once, for every run of the
    database, before the filter applies: with 6 runs, rpt_winners_losers of one pair took 37 s and 12 GiB
    instead of 5.5 s and 2.4 GiB.
-#}
{% macro inlined_cte() -%}
    {{ return(adapter.dispatch('inlined_cte', 'planalign')()) }}
{%- endmacro %}

{% macro default__inlined_cte() -%}
{%- endmacro %}

{% macro duckdb__inlined_cte() -%}
    not materialized
{%- endmacro %}
