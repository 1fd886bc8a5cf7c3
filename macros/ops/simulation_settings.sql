{#-
    The effective settings of this dbt invocation, as one mapping (stored as JSON text in
    dim_scenario_settings): the scenario, the seed, the years, every workforce and plan
    assumption var (the census plan's id and match-maximizing rate
    included), the census file's name (never its full path) and its SHA-256, and
    where the plan design came from (the var plan_design, or the seeds). When dbt reads a copy
    of the census (a workbook's sheet, a CSV in another encoding), the CLI names the user's
    file in the var census_file, and a workbook's sheet in the var census_sheet.
-#}
{% macro simulation_settings() -%}
    {%- set payload = planalign_run_payload() -%}
    {%- set settings = {
        'scenario_id': var('scenario_id'),
        'plan_design_id': var('plan_design_id'),
        'plan_design_source': 'seed' if plan_design_var() is none else 'var',
        'random_seed': var('random_seed'),
        'start_year': var('start_year'),
        'census_file': var('census_file', none) or ((var('census_path') | string | replace('\\', '/')).split('/') | last),
        'census_sha256': payload['census_sha256'],
        'total_termination_rate': var('total_termination_rate'),
        'target_growth_rate': var('target_growth_rate'),
        'new_hire_termination_rate': var('new_hire_termination_rate'),
        'promotion_increase': var('promotion_increase'),
        'promotion_month_day': var('promotion_month_day'),
        'raise_month_day': var('raise_month_day'),
        'default_cola_rate': var('default_cola_rate'),
        'new_hire_pay_range': var('new_hire_pay_range'),
        'pay_band_increase': var('pay_band_increase'),
        'investment_return_rate': var('investment_return_rate'),
        'discount_rate': var('discount_rate'),
        'limit_indexing_rate': var('limit_indexing_rate'),
        'limit_rounding': var('limit_rounding'),
        'max_service_years': var('max_service_years'),
        'participation_z_limit': var('participation_z_limit'),
        'census_plan_design_id': var('census_plan_design_id'),
        'census_match_maximizing_rate': var('census_match_maximizing_rate'),
    } -%}
    {%- if var('census_sheet', none) is not none -%}
        {%- do settings.update({'census_sheet': var('census_sheet')}) -%}
    {%- endif -%}
    {#- the raise scales appear only when not neutral (1): a run without them stores what it always stored -#}
    {%- for name in ['merit_scale', 'cola_scale'] if var(name) != 1 -%}
        {%- do settings.update({name: var(name)}) -%}
    {%- endfor -%}
    {%- if var('pay_band_year') is not none -%}
        {%- do settings.update({'pay_band_year': var('pay_band_year')}) -%}
    {%- endif -%}
    {#- the shifts (points) appear only when not neutral (0), for the same reason -#}
    {%- set shifts = {
        'pay_growth_shift': var('pay_growth_shift'),
        'voluntary_enrollment_shift': var('voluntary_enrollment_shift'),
        'opt_out_shift': var('opt_out_shift'),
        'voluntary_deferral_shift': var('voluntary_deferral_shift'),
    } -%}
    {%- for name, value in shifts.items() if value != 0 -%}
        {%- do settings.update({name: value}) -%}
    {%- endfor -%}
    {#- a Monte Carlo set that draws its assumptions says so (the reports label their bands from it) -#}
    {%- if var('uncertain_settings') -%}
        {%- do settings.update({'parameter_uncertainty': var('uncertain_settings')}) -%}
    {%- endif -%}
    {{ return(settings) }}
{%- endmacro %}
