{#-
    numerator / denominator in units of 1 / 10^places, rounded half up, exactly: whole-number arithmetic on the
    amounts in cents (or on ratios already in such units), never a floating-point quotient. The ADP and ACP
    regulations state every ratio and average to the nearest hundredth of a percent (places 4). Null when the
    denominator is not positive.
-#}
{% macro ratio_half_up(numerator, denominator, scale=100, places=4) -%}
    case
        when ({{ denominator }}) > 0 then
            {{ int_div(
                '(2 * cast(round((' ~ numerator ~ ') * ' ~ scale ~ ') as ' ~ type_hugeint() ~ ') * ' ~ 10 ** places
                    ~ ' + cast(round((' ~ denominator ~ ') * ' ~ scale ~ ') as ' ~ type_hugeint() ~ '))',
                '(2 * cast(round((' ~ denominator ~ ') * ' ~ scale ~ ') as ' ~ type_hugeint() ~ '))') }}
    end
{%- endmacro %}

{#- An employee's ADR or ACR: amount / compensation to the nearest hundredth of a percent, as decimal(10, 4),
    for the employees `condition` holds for (null for the others, and for no compensation). -#}
{% macro ratio_as_decimal(condition, amount, compensation) -%}
    cast(
        cast(case when {{ condition }} then {{ ratio_half_up(amount, compensation) }} end as decimal(18, 0))
        * cast(0.0001 as decimal(5, 4))
        as decimal(10, 4)
    )
{%- endmacro %}
