{#-
    year_append on Spark: the incremental materialization with the year-scoped write of dbt_project.yml
    (insert_overwrite of the build's own partitions), since Spark's plain tables cannot DELETE the rows a
    build replaces. The contract is enforced the same way.
-#}
{% materialization year_append, adapter='spark' -%}
    {{ return(materialization_incremental_spark()) }}
{%- endmaterialization %}
