{#-
    One row per (scenario_id, plan_design_id, replication_id, simulation_year): row counts and digests of
    the year's events and snapshot, run stamps (run_id, created_at) left out - so a re-run
    with the same configuration gives the same digests. The events digest covers every
    payload column; the snapshot digest the state that next year starts from (status,
    pay, plan position, balances), since everything else in it follows from the events.
    Checkpoints record them; resume compares them with the database before it skips a year.
    A digest streams: each row's md5 gives two 60-bit numbers, summed over the year (a multiset
    hash, independent of row order), and the digest is the md5 of the count and the two sums.
    Nothing holds the year's rows in one string, so a year of 1,000,000 employees spills
    to disk like any other aggregate instead of running out of memory.
-#}
with

events as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        event_id,
        md5(event_id || ' ' || {{ row_as_text(event_payload_columns() | map(attribute=0) | list + ['event_sequence']) }})
            as row_md5
    from {{ ref('fct_yearly_events') }}
),

snapshot as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        employee_id,
        md5({{ row_as_text(['employee_id', 'employment_status', 'termination_date', 'job_level',
            'annual_compensation', 'prorated_compensation', 'enrollment_status', 'deferral_rate',
            'total_contribution_amount', 'total_balance_amount', 'vested_balance_amount']) }}) as row_md5
    from {{ ref('fct_workforce_snapshot') }}
),

event_digests as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        count(*) as event_rows,
        {{ multiset_digest('row_md5') }} as events_digest
    from events
    group by scenario_id, plan_design_id, replication_id, simulation_year
),

snapshot_digests as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        count(*) as snapshot_rows,
        {{ multiset_digest('row_md5') }} as snapshot_digest
    from snapshot
    group by scenario_id, plan_design_id, replication_id, simulation_year
),

final as (
    select
        event_digests.scenario_id,
        event_digests.plan_design_id,
        event_digests.replication_id,
        event_digests.simulation_year,
        event_digests.event_rows,
        event_digests.events_digest,
        coalesce(snapshot_digests.snapshot_rows, 0) as snapshot_rows,
        snapshot_digests.snapshot_digest
    from event_digests
    left join snapshot_digests
        on
            event_digests.scenario_id = snapshot_digests.scenario_id
            and event_digests.plan_design_id = snapshot_digests.plan_design_id
            and event_digests.replication_id = snapshot_digests.replication_id
            and event_digests.simulation_year = snapshot_digests.simulation_year
)

select * from final
