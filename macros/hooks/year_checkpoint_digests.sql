{#-
    The one definition of a year's checkpoint digest over a set of replications, read by both sides
    of the comparison resume makes: the on-run-end hook renders it (planalign_run_end) to write the
    checkpoint, and the CLI renders this file with plain Jinja (scripts/store/db.py, year_digests) to
    recompute it from the database. So it uses plain Jinja only: no dbt function, every argument SQL text.

    One row per complete year of (scenario_id, plan_design_id, replications): the row counts summed,
    the digests md5 of '<replication_id>:<digest>' joined by '|' in replication order. A year is
    complete when every replication of the set has its events and its snapshot in rpt_year_digests;
    an incomplete year has no row, so the hook does not mark it done and resume never skips it.

    relation: rpt_year_digests; scenario_id, plan_design_id: SQL strings; replications: a SQL list of
    integers; simulation_year: a SQL integer, or none for every year.
-#}
{% macro year_checkpoint_digests(relation, scenario_id, plan_design_id, replications, simulation_year=none) -%}
    select
        simulation_year,
        sum(event_rows) as event_rows,
        md5(string_agg(cast(replication_id as varchar) || ':' || events_digest, '|' order by replication_id))
            as events_digest,
        sum(snapshot_rows) as snapshot_rows,
        md5(string_agg(cast(replication_id as varchar) || ':' || snapshot_digest, '|' order by replication_id))
            as snapshot_digest
    from {{ relation }}
    where scenario_id = {{ scenario_id }}
        and plan_design_id = {{ plan_design_id }}
        and list_contains({{ replications }}, replication_id)
        {%- if simulation_year is not none %}
        and simulation_year = {{ simulation_year }}
        {%- endif %}
    group by simulation_year
    having count(*) = len({{ replications }}) and count(snapshot_digest) = count(*)
{%- endmacro %}
