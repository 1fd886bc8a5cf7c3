{#-
    The effective settings each (scenario_id, plan_design_id) was built with: the CLI's
    config hash and every simulation var as one JSON object (simulation_settings()).
    Rebuilt by the first year of every run (tag per_run; the scenario's row replaced).
-#}
{{ config(
    pre_hook="{{ year_scoped_delete(by_year=false) }}",
    contract={'enforced': true}
) }}
{%- set settings_json = tojson(simulation_settings(), sort_keys=true) -%}

with

final as (
    select
        cast('{{ var("scenario_id") }}' as {{ dbt.type_string() }}) as scenario_id,
        cast('{{ var("plan_design_id") }}' as {{ dbt.type_string() }}) as plan_design_id,
        cast('{{ planalign_run_payload()["config_hash"] }}' as {{ dbt.type_string() }}) as config_hash,
        cast({{ sql_literal(settings_json) }} as {{ dbt.type_string() }}) as settings_json,
        cast({{ sim_year() }} as integer) as simulation_year,
        cast('{{ run_stamp_id() }}' as {{ dbt.type_string() }}) as run_id,
        cast({{ dbt.current_timestamp() }} as timestamp) as built_at
)

select * from final
