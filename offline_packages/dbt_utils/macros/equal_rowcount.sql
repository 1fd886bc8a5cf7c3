{#- Offline stand-in for dbt_utils.equal_rowcount (written from the docs).
    Fails with one row when the two relations have different row counts. -#}
{% test equal_rowcount(model, compare_model) %}
with a as (
    select count(*) as count_a from {{ model }}
),
b as (
    select count(*) as count_b from {{ compare_model }}
)
select
    a.count_a,
    b.count_b,
    a.count_a - b.count_b as diff_count
from a
cross join b
where a.count_a <> b.count_b
{% endtest %}
