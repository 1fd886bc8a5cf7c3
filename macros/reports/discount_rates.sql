{#-
    Each stored (scenario, plan design)'s discount rate of present values, from its stored settings
    (a run stored before the setting existed: this build's rate). A select of (scenario_id,
    plan_design_id, discount_rate), for a CTE.
-#}
{% macro discount_rates() -%}
    select
        scenario_id,
        plan_design_id,
        coalesce(
            cast({{ json_value_text('settings_json', 'discount_rate') }} as {{ type_double() }}),
            {{ var('discount_rate') }}
        ) as discount_rate
    from {{ ref('dim_scenario_settings') }}
{%- endmacro %}

{#- A dollar amount in a sentence: $5.0M, $830K, $420 (the sign written first: -$1.2M); millions to millions_digits
    places (a headline uses 2 for the difference and its band, so that a narrow band does not read "$1.9M to
    $1.9M" and the figure reads to the band's precision: "$2.39M (P10-P90 $2.29M to $2.50M)"). -#}
{% macro money_words(expression, millions_digits=1) -%}
    case when {{ expression }} < 0 then '-' else '' end || '$' || case
        when abs({{ expression }}) >= 1000000
            then cast(cast(round(abs({{ expression }}) / 1000000, {{ millions_digits }}) as decimal(18, {{ millions_digits }}))
                as {{ dbt.type_string() }}) || 'M'
        when abs({{ expression }}) >= 1000
            then cast(cast(round(abs({{ expression }}) / 1000, 0) as decimal(18, 0)) as {{ dbt.type_string() }}) || 'K'
        else cast(cast(round(abs({{ expression }}), 0) as decimal(18, 0)) as {{ dbt.type_string() }})
    end
{%- endmacro %}
