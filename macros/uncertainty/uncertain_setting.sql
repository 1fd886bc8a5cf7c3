{#-
    A simulation setting as SQL, cast to `type`, for the rows of `replication` (the SQL expression of the row's
    replication_id). One of:
    - a sensitivity study (var sensitivity_points, engine/uncertainty.py points_var): the replications are
      groups of `draws` ids, one group per point, and a point may set the value; the setting is a case on the
      replication id, the central value (its var) where the point leaves it alone;
    - parameter_uncertainty: true (var uncertain_settings) and the setting is one it draws: a draw per
      replication from its 90% range. The draw is a split normal: z from two uniform draws keyed by (seed,
      replication, setting name) only (Box-Muller), scaled by (central - low) / 1.645 below the central value
      and (high - central) / 1.645 above it, so that the range holds 90% of the draws; kept inside the setting's
      allowed bounds. No year and no scenario or design in the key: every year of a replication, and replication
      r of every design, see the same value (common random numbers);
    - otherwise the var, the same in every replication: exactly `cast(<var> as <type>)`, or the var as written
      when type is none (a setting whose SQL has always read the bare var).
-#}
{% macro uncertain_setting(name, replication, type=none) -%}
    {%- set study = var('sensitivity_points') -%}
    {%- set drawn = (var('uncertain_settings') or {}).get(name) -%}
    {%- if study and setting_varies_by_point(name) -%}
        case
            {%- for point in study['points'] %}{% if name in point %}
            when ({{ replication }}) between {{ loop.index0 * study['draws'] + 1 }} and {{ loop.index * study['draws'] }}
                then {{ setting_literal(point[name], type) }}
            {%- endif %}{% endfor %}
            else {{ setting_literal(var(name), type) }}
        end
    {%- elif drawn is not none -%}
        {#- the draw of each replication of the run, written with its replication id as a literal, so the engine
            computes it once when it plans the query (constant folding) instead of once per row; the row takes
            its replication's value from the list. Replication ids of a drawing set are 1..N (a Monte Carlo
            set), so an id is its position. -#}
        {%- set values = [] -%}
        {%- for id in range(1, (replication_list() | max) + 1) -%}
            {%- do values.append(drawn_setting(name, drawn, id, type)) -%}
        {%- endfor -%}
        {{ list_element(list_literal(values), replication) }}
    {%- else -%}
        {{ setting_literal(var(name), type) }}
    {%- endif -%}
{%- endmacro %}

{#- The value of a drawn setting (parameter_uncertainty) in the replication `replication` (an SQL expression). -#}
{% macro drawn_setting(name, drawn, replication, type) -%}
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
{%- endmacro %}

{#- A setting's value as SQL: cast to type, or as written when type is none. -#}
{% macro setting_literal(value, type) -%}
    {%- if type is none -%}{{ value }}{%- else -%}cast({{ value }} as {{ type }}){%- endif -%}
{%- endmacro %}

{#- Whether a sensitivity study (var sensitivity_points) sets the setting in one of its points. -#}
{% macro setting_varies_by_point(name) -%}
    {%- set study = var('sensitivity_points') -%}
    {%- set found = [] -%}
    {%- for point in (study['points'] if study else []) if name in point -%}
        {%- do found.append(point) -%}
    {%- endfor -%}
    {{ return(found | length > 0) }}
{%- endmacro %}

{#- Whether a setting can differ between the replications of this run: drawn (parameter_uncertainty) or set by a
    point of a sensitivity study. A model that leaves a neutral setting out of its SQL asks this first. -#}
{% macro setting_varies(name) -%}
    {{ return(name in (var('uncertain_settings') or {}) or setting_varies_by_point(name)) }}
{%- endmacro %}
