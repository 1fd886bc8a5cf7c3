{#-
    The leveling of a failed ADP/ACP test (Treas. Reg. §1.401(k)-2(b)(2)): the highest values of a group are cut to one
    level X, so that the values add up to a budget: sum(min(value, X)) = budget. With the values ranked highest first,
    cutting the top k to X_k = (budget - the values below the top k) / k works when X_k is at least the next value; the
    level is X_k of the first such k. leveling_ranks adds the ranking's columns to a CTE's rows (partitioned by
    replication and test), leveling_level finds the level and the number of values cut from those rows.
-#}
{% macro leveling_ranks(relation, value) -%}
    {%- set ranked -%}
        partition by {{ relation }}.replication_id, {{ relation }}.test_name
        order by {{ relation }}.{{ value }} desc, {{ relation }}.employee_id asc
    {%- endset -%}
    row_number() over ({{ ranked }}) as level_rank,
    sum({{ relation }}.{{ value }}) over (partition by {{ relation }}.replication_id, {{ relation }}.test_name) as level_total,
    sum({{ relation }}.{{ value }}) over ({{ ranked }} rows between unbounded preceding and current row) as level_cumulative,
    lead({{ relation }}.{{ value }}, 1, 0) over ({{ ranked }}) as level_next
{%- endmacro %}

{% macro leveling_level(ranked, budget, where='true') -%}
    select
        replication_id,
        test_name,
        min(level_rank) as cut_count,
        {{ min_by_value('level', 'level_rank') }} as level
    from (
        select
            replication_id,
            test_name,
            level_rank,
            level_next,
            (
                cast({{ budget }} as {{ type_double() }})
                - cast(level_total - level_cumulative as {{ type_double() }})
            ) / level_rank as level
        from {{ ranked }}
        where {{ where }}
    ) as candidates
    where level >= level_next
    group by replication_id, test_name
{%- endmacro %}
