{#-
    Pre-hook of the per-run marts kept per replication set (dim_assumptions): removes the rows of
    this (scenario_id, plan_design_id, replication_set) and nothing else, so a re-run replaces
    its own rows and other scenarios, designs and replication sets stay untouched.
-#}
{% macro replication_set_delete() -%}
    {{ return(adapter.dispatch('replication_set_delete', 'planalign')()) }}
{%- endmacro %}

{% macro default__replication_set_delete() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where scenario_id = '{{ var("scenario_id") }}'
            and plan_design_id = '{{ var("plan_design_id") }}'
            and replication_set = '{{ replication_set() }}'
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}

{#- Spark: the build overwrites its own partitions (incremental_strategy insert_overwrite, dbt_project.yml) -#}
{% macro spark__replication_set_delete() -%}
    select 1 as nothing_to_delete
{%- endmacro %}
