{#-
    The IRS limits each simulated year was run with, per (scenario_id, plan_design_id,
    replication_id, simulation_year): published values, or indexed ones flagged
    is_estimated. Kept so that every contribution can be audited against the limits of
    its own year. The limits do not vary by replication; the row is repeated for each so
    that this mart has the grain (and the year-scoped delete) of the other marts.
-#}
{{ config(
    pre_hook="{{ year_scoped_delete() }}",
    contract={'enforced': true}
) }}

with

limits as (
    select
        simulation_year,
        published_year,
        is_estimated,
        elective_deferral_limit,
        catch_up_limit,
        super_catch_up_limit,
        annual_additions_limit,
        compensation_limit,
        roth_catch_up_wage_threshold
    from {{ ref('int_irs_limits_resolved') }}
),

replications as (
    {{ replication_ids() }}
),

final as (
    select
        cast('{{ var("scenario_id") }}' as {{ dbt.type_string() }}) as scenario_id,
        cast('{{ var("plan_design_id") }}' as {{ dbt.type_string() }}) as plan_design_id,
        cast(replications.replication_id as integer) as replication_id,
        cast(limits.simulation_year as integer) as simulation_year,
        cast(limits.published_year as integer) as published_year,
        cast(limits.is_estimated as boolean) as is_estimated,
        cast(limits.elective_deferral_limit as decimal(18, 2)) as elective_deferral_limit,
        cast(limits.catch_up_limit as decimal(18, 2)) as catch_up_limit,
        cast(limits.super_catch_up_limit as decimal(18, 2)) as super_catch_up_limit,
        cast(limits.annual_additions_limit as decimal(18, 2)) as annual_additions_limit,
        cast(limits.compensation_limit as decimal(18, 2)) as compensation_limit,
        cast(limits.roth_catch_up_wage_threshold as decimal(18, 2)) as roth_catch_up_wage_threshold,
        cast('{{ run_stamp_id() }}' as {{ dbt.type_string() }}) as run_id
    from limits
    cross join replications
)

select * from final
