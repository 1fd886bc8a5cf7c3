{#-
    Spark: the contracts' not_null constraints cannot be set on plain (Parquet) Spark tables (ALTER COLUMN ...
    SET NOT NULL needs Delta Lake or another table format that keeps constraints). The columns' types are
    still enforced by the contract, and the not_null data tests check the values every build.
-#}
{% macro spark__persist_constraints(relation, model) -%}
{%- endmacro %}
