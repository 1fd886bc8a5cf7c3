{#-
    For weighted choices: each row's [lower_bound, upper_bound) slice of (0, 1), in the
    order given. A uniform draw u picks the row whose slice holds it.
-#}
{% macro cumulative_share_bounds(weight, order_by) -%}
    coalesce(sum({{ weight }}) over (
        order by {{ order_by }} asc nulls last
        rows between unbounded preceding and 1 preceding), 0)
    / sum({{ weight }}) over () as lower_bound,
    case
        -- the last slice ends at 1 exactly, whatever the floating-point sums say
        when lead({{ order_by }}) over (order by {{ order_by }} asc nulls last) is null then 1.0
        else sum({{ weight }}) over (
            order by {{ order_by }} asc nulls last
            rows between unbounded preceding and current row)
        / sum({{ weight }}) over ()
    end as upper_bound
{%- endmacro %}
