{#-
    A simulation setting as SQL, cast to `type`: its var, the same in every replication, or - when the
    scenario has parameter_uncertainty: true and the setting is one of the var uncertain_settings'
    (engine/uncertainty.py) - a draw per replication from its 90% range. The draw is a split normal:
    z from two uniform draws keyed by (seed, replication, setting name) only (Box-Muller), scaled by
    (central - low) / 1.645 below the central value and (high - central) / 1.645 above it, so that the
    range holds 90% of the draws; kept inside the setting's allowed bounds. No year and no scenario or
    design in the key: every year of a replication, and replication r of every design, see the same value
    (common random numbers). Without the var the SQL is exactly `cast(<var> as <type>)`.
-#}
{% macro uncertain_setting(name, replication, type) -%}
    {%- set drawn = (var('uncertain_settings') or {}).get(name) -%}
    {%- if drawn is none -%}
        cast({{ var(name) }} as {{ type }})
    {%- else -%}
        {%- set radius = uniform_draw("'" ~ name ~ "'", 'parameter_uncertainty_radius', year=0,
            replication=replication) -%}
        {%- set angle = uniform_draw("'" ~ name ~ "'", 'parameter_uncertainty_angle', year=0,
            replication=replication) -%}
        {%- set z = 'sqrt(-2 * ln(' ~ radius ~ ')) * cos(2 * pi() * ' ~ angle ~ ')' -%}
        cast(least({{ drawn['maximum'] }}, greatest({{ drawn['minimum'] }},
            {{ drawn['central'] }} + ({{ z }}) * case
                when ({{ z }}) < 0 then {{ drawn['central'] - drawn['low'] }}
                else {{ drawn['high'] - drawn['central'] }}
            end / 1.6448536269514722
        )) as {{ type }})
    {%- endif -%}
{%- endmacro %}
