{#- What every run-log line and checkpoint says about the invocation. -#}
{% macro planalign_run_payload() -%}
    {{ return({
        'database': target.path,
        'run_id': run_stamp_id(),
        'invocation_id': invocation_id,
        'command': flags.WHICH,
        'scenario_id': var('scenario_id'),
        'plan_design_id': var('plan_design_id'),
        'simulation_year': sim_year(),
        'replications': var('replications'),
        'config_hash': env_var('PLANALIGN_CONFIG_HASH', 'direct-dbt'),
        'census_sha256': env_var('PLANALIGN_CENSUS_SHA256', 'unknown'),
        'git_sha': env_var('PLANALIGN_GIT_SHA', 'unknown'),
    }) }}
{%- endmacro %}
