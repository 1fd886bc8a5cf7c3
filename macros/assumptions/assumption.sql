{#-
    One workforce assumption table (job_levels, hazard_age_bands, hazard_tenure_bands,
    new_hire_age_mix, cola_rates, enrollment_behavior, voluntary_deferral_rates,
    promotion_transitions, roth_elections, match_response) as a relation to select from: the scenario's own rows when the
    CLI passed them in the var assumptions (assumption_tables()), typed with the seed's
    column types, else the shipped seed. Every model reads these tables through this macro.
    The scenario's rows come as a subquery aliased with the table's name, so a caller never
    aliases the result and qualifies columns with the table's name (which works for the seed
    relation too): `from {{ assumption('job_levels') }}`, `job_levels.merit_rate`.
    The seed is ref()'d either way, so that the refs dbt records while parsing do not depend
    on the var (the project is parsed once, without vars).
-#}
{% macro assumption(table_name) -%}
    {%- set seed = ref(table_name) -%}
    {%- set table = assumption_tables().get(table_name) -%}
    {%- if table is none or table.get('rows') is none -%}
        {{ return(seed) }}
    {%- endif -%}
    {{ return('(' ~ rows_as_relation(table['rows'], table['columns'], label='var assumptions.' ~ table_name) ~ '\n) as ' ~ table_name) }}
{%- endmacro %}
