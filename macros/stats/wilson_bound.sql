{#-
    A bound of the Wilson score interval of a proportion: successes out of trials, at the
    two-sided 90% level (z = 1.6449, the 95th percentile of the standard normal). side is
    'low' or 'high'. The interval stays inside [0, 1] and is not degenerate at 0 or n
    successes, which matters for a probability estimated from 20 replications. Null when
    there are no trials.
-#}
{% macro wilson_bound(successes, trials, side) -%}
    {%- set z = 1.6448536269514722 -%}
    {%- set sign = '-' if side == 'low' else '+' -%}
    case
        when {{ trials }} > 0
            then (
                cast({{ successes }} as {{ type_double() }}) / {{ trials }} + {{ z * z }} / (2.0 * {{ trials }})
                {{ sign }} {{ z }} * sqrt(
                    (cast({{ successes }} as {{ type_double() }}) / {{ trials }})
                    * (1 - cast({{ successes }} as {{ type_double() }}) / {{ trials }}) / {{ trials }}
                    + {{ z * z }} / (4.0 * {{ trials }} * {{ trials }})
                )
            ) / (1 + {{ z * z }} / {{ trials }})
    end
{%- endmacro %}
