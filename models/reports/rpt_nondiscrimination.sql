{#-
    The nondiscrimination tests of every stored (scenario, plan design, replication, year), one row per test:
    - adp (IRC §401(k)(3), Treas. Reg. §1.401(k)-2) on deferrals without catch-up, acp (IRC §401(m)(2),
      Treas. Reg. §1.401(m)-2) on the match: the HCE average ratio may not exceed the greater of 1.25 x the
      NHCE average, or the lesser of 2 x the NHCE average and the NHCE average + 2 points. The NHCE average is
      this year's (current-year testing) or last year's NHCEs' (prior-year testing; the first simulated year
      uses the deemed 3%). Ratios and averages are to the nearest hundredth of a percent.
    - coverage_deferral / coverage_match / coverage_core: the ratio percentage test of IRC §410(b)(1)(B)
      (Treas. Reg. §1.410(b)-2(b)(2)): the share of counted NHCEs who benefit over the share of counted HCEs
      who benefit, at least 70%.
    - top_heavy (IRC §416(g), fct_top_heavy_determinations): 'fail' when the key employees hold more than 60% of
      the account balances at the determination date (former key employees' balances left out, §416(g)(4)(B))
      and the design is not exempt (the minimum contribution of
      §416(c)(2) is then owed: its rate, the people given it and its cost, from fct_top_heavy_minimums); 'exempt'
      for a safe-harbor design with no other employer money (§416(g)(4)(H)); 'pass' otherwise.
    A safe-harbor design is still computed but reported exempt from ADP (and from ACP when its match meets
    IRC §401(m)(11) or (12)), with the reason. Figures trace to fct_nondiscrimination_employees.
-#}
{#- the ADP/ACP and coverage figures, null on the top_heavy row -#}
{%- set ratio_and_coverage_columns = [
    ('nhce_average_source', dbt.type_string()),
    ('hce_count', 'bigint'), ('nhce_count', 'bigint'),
    ('hce_average', 'decimal(10, 4)'), ('nhce_average', 'decimal(10, 4)'),
    ('test_limit', 'decimal(12, 6)'), ('margin', 'decimal(12, 6)'), ('nhce_average_needed', 'decimal(10, 4)'),
    ('hce_counted', 'bigint'), ('hce_benefiting', 'bigint'), ('nhce_counted', 'bigint'), ('nhce_benefiting', 'bigint'),
    ('ratio_percentage', 'decimal(10, 4)'), ('required_ratio_percentage', 'decimal(10, 4)'),
] -%}
{#- the top-heavy figures, null on the other rows -#}
{%- set top_heavy_columns = [
    ('determination_date', 'date'),
    ('key_balance_amount', 'decimal(18, 2)'),
    ('total_balance_amount', 'decimal(18, 2)'),
    ('former_key_employees', 'bigint'),
    ('former_key_balance_amount', 'decimal(18, 2)'),
    ('key_balance_share', 'decimal(10, 6)'),
    ('top_heavy_threshold', 'decimal(10, 6)'),
    ('highest_key_rate', 'decimal(10, 4)'),
    ('minimum_contribution_rate', 'decimal(10, 4)'),
    ('minimum_contribution_employees', 'bigint'),
    ('minimum_contribution_amount', 'decimal(18, 2)'),
] -%}

with

employees as (
    select * from {{ ref('fct_nondiscrimination_employees') }}
),

top_heavy_determinations as (
    select * from {{ ref('fct_top_heavy_determinations') }}
),

top_heavy_minimums as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        count(*) as minimum_contribution_employees,
        sum(top_heavy_minimum_amount) as minimum_contribution_amount
    from {{ ref('fct_top_heavy_minimums') }}
    group by scenario_id, plan_design_id, replication_id, simulation_year
),

designs as (
    select
        scenario_id,
        plan_design_id,
        safe_harbor,
        ndt_testing_method,
        ndt_compensation,
        hce_top_paid_group,
        match_formula_id,
        core_formula_id,
        {{ json_array_max_number('match_tiers', 'deferral_to') }} as match_deferral_ceiling
    from {{ ref('dim_plan_designs') }}
),

-- the ratios' sums in hundredths of a percent (whole numbers), so that averages are rounded exactly
year_groups as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        max(lookback_year) as lookback_year,
        max(hce_compensation_threshold) as hce_compensation_threshold,
        max(hce_threshold_published_year) as hce_threshold_published_year,
        {{ distinct_text_list('lookback_source', ', ', "lookback_source <> 'not_employed_in_lookback_year'") }}
            as lookback_sources,
        count(*) filter (where is_hce) as hce_employees,
        count(*) filter (where not is_hce) as nhce_employees,
        {% for test, ratio in [('adp', 'actual_deferral_ratio'), ('acp', 'actual_contribution_ratio')] -%}
            {% for group, condition in [('hce', 'is_hce'), ('nhce', 'not is_hce')] -%}
                count({{ ratio }}) filter (where {{ condition }}) as {{ test }}_{{ group }}_count,
                cast(coalesce(sum(cast({{ ratio }} * 10000 as bigint)) filter (where {{ condition }}), 0) as {{ type_hugeint() }})
                    as {{ test }}_{{ group }}_sum,
            {% endfor -%}
        {% endfor -%}
        {% for source in ['deferral', 'match', 'core'] -%}
            {%- set counted = 'is_adp_eligible' if source == 'deferral' else 'is_' ~ source ~ '_coverage_counted' -%}
            {% for group, condition in [('hce', 'is_hce'), ('nhce', 'not is_hce')] -%}
                count(*) filter (where {{ counted }} and {{ condition }}) as coverage_{{ source }}_{{ group }}_counted,
                count(*) filter (where {{ counted }} and is_{{ source }}_benefiting and {{ condition }})
                    as coverage_{{ source }}_{{ group }}_benefiting,
            {% endfor -%}
        {% endfor -%}
        count(*) as employees
    from employees
    group by scenario_id, plan_design_id, replication_id, simulation_year
),

-- group averages in hundredths of a percent, rounded half up
averaged as (
    select
        year_groups.*,
        {% for test in ['adp', 'acp'] -%}
            {% for group in ['hce', 'nhce'] -%}
                case
                    when {{ test }}_{{ group }}_count > 0 then
                        {{ int_div('(2 * ' ~ test ~ '_' ~ group ~ '_sum + ' ~ test ~ '_' ~ group ~ '_count)',
                            '(2 * ' ~ test ~ '_' ~ group ~ '_count)') }}
                end as {{ test }}_{{ group }}_units{% if not loop.last %},{% endif %}
            {% endfor -%}{% if not loop.last %},{% endif %}
        {% endfor %}
    from year_groups
),

ratio_tests as (
    {% for test, rule in [
        ('adp', 'IRC §401(k)(3); Treas. Reg. §1.401(k)-2'),
        ('acp', 'IRC §401(m)(2); Treas. Reg. §1.401(m)-2'),
    ] -%}
        select
            current_year.scenario_id,
            current_year.plan_design_id,
            current_year.replication_id,
            current_year.simulation_year,
            '{{ test }}' as test_name,
            '{{ rule }}' as rule_section,
            designs.safe_harbor,
            designs.ndt_testing_method,
            designs.ndt_compensation,
            designs.hce_top_paid_group,
            {{ "designs.match_formula_id <> 'none'" if test == 'acp' else 'true' }} as is_applicable,
            {% if test == 'adp' -%}
                designs.safe_harbor <> 'none'
            {%- else -%}
                {{ safe_harbor_match_acp_exempt('designs.safe_harbor', 'designs.match_deferral_ceiling') }}
            {%- endif %} as is_exempt,
            current_year.{{ test }}_hce_count as hce_count,
            current_year.{{ test }}_nhce_count as nhce_count,
            current_year.{{ test }}_hce_units as hce_units,
            case
                when designs.ndt_testing_method = 'current_year' then current_year.{{ test }}_nhce_units
                when prior_year.scenario_id is null then 300
                else prior_year.{{ test }}_nhce_units
            end as nhce_units,
            case
                when designs.ndt_testing_method = 'current_year' then 'current_year'
                when prior_year.scenario_id is null then 'deemed_3_percent'
                else 'prior_year'
            end as nhce_average_source,
            current_year.lookback_year,
            current_year.hce_compensation_threshold,
            current_year.hce_threshold_published_year,
            current_year.lookback_sources
        from averaged as current_year
        inner join designs
            on
                current_year.scenario_id = designs.scenario_id
                and current_year.plan_design_id = designs.plan_design_id
        left join averaged as prior_year
            on
                current_year.scenario_id = prior_year.scenario_id
                and current_year.plan_design_id = prior_year.plan_design_id
                and current_year.replication_id = prior_year.replication_id
                and current_year.simulation_year = prior_year.simulation_year + 1
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

ratio_results as (
    select
        ratio_tests.*,
        -- the limit, x 10,000 (hundredths of a percent, possibly with a quarter: 1.25 x NHCE)
        greatest(1.25 * ratio_tests.nhce_units, least(2 * ratio_tests.nhce_units, ratio_tests.nhce_units + 200))
            as limit_units,
        case
            when ratio_tests.hce_units <= 400 then {{ int_div('(ratio_tests.hce_units + 1)', '2') }}
            when ratio_tests.hce_units <= 1000 then ratio_tests.hce_units - 200
            else {{ int_div('(4 * ratio_tests.hce_units + 4)', '5') }}
        end as needed_units
    from ratio_tests
),

ratio_rows as (
    select
        scenario_id,
        plan_design_id,
        replication_id,
        simulation_year,
        test_name,
        rule_section,
        case
            when not is_applicable then 'not_applicable'
            when is_exempt then 'exempt'
            when hce_count = 0 then 'pass'
            when nhce_units is null then 'not_applicable'
            when 4 * hce_units <= 5 * nhce_units or (hce_units <= 2 * nhce_units and hce_units <= nhce_units + 200)
                then 'pass'
            else 'fail'
        end as result,
        case
            when not is_applicable then 'the design has no match'
            when is_exempt and test_name = 'adp'
                then
                    'safe harbor ' || safe_harbor || ': exempt from the ADP test ('
                    || case safe_harbor
                        when 'qaca' then 'IRC §401(k)(13)'
                        when 'nonelective_3' then 'IRC §401(k)(12)(C)'
                        else 'IRC §401(k)(12)(B)'
                    end || ')'
            when is_exempt
                then
                    'safe harbor ' || safe_harbor || ': the match is on deferrals up to 6% of pay, exempt from the ACP test ('
                    || case safe_harbor when 'qaca' then 'IRC §401(m)(12)' else 'IRC §401(m)(11)' end || ')'
            when hce_count = 0 then 'no eligible HCE'
            when nhce_units is null then 'no eligible NHCE'
        end as result_reason,
        ndt_testing_method as testing_method,
        ndt_compensation as compensation_basis,
        nhce_average_source,
        hce_count,
        nhce_count,
        cast(cast(hce_units as decimal(18, 0)) * cast(0.0001 as decimal(5, 4)) as decimal(10, 4)) as hce_average,
        cast(cast(nhce_units as decimal(18, 0)) * cast(0.0001 as decimal(5, 4)) as decimal(10, 4)) as nhce_average,
        cast(cast(limit_units as decimal(18, 2)) * cast(0.0001 as decimal(5, 4)) as decimal(12, 6)) as test_limit,
        cast(cast(limit_units - hce_units as decimal(18, 2)) * cast(0.0001 as decimal(5, 4)) as decimal(12, 6))
            as margin,
        cast(cast(needed_units as decimal(18, 0)) * cast(0.0001 as decimal(5, 4)) as decimal(10, 4))
            as nhce_average_needed,
        cast(null as bigint) as hce_counted,
        cast(null as bigint) as hce_benefiting,
        cast(null as bigint) as nhce_counted,
        cast(null as bigint) as nhce_benefiting,
        cast(null as decimal(10, 4)) as ratio_percentage,
        cast(null as decimal(10, 4)) as required_ratio_percentage,
        {% for name, data_type in top_heavy_columns -%}
            cast(null as {{ data_type }}) as {{ name }},
        {% endfor -%}
        hce_top_paid_group as is_top_paid_group_elected,
        lookback_year,
        hce_compensation_threshold,
        hce_threshold_published_year,
        lookback_sources
    from ratio_results
),

coverage_rows as (
    {% for source in ['deferral', 'match', 'core'] -%}
        {%- set prefix = 'averaged.coverage_' ~ source -%}
        select
            averaged.scenario_id,
            averaged.plan_design_id,
            averaged.replication_id,
            averaged.simulation_year,
            'coverage_{{ source }}' as test_name,
            'IRC §410(b)(1)(B); Treas. Reg. §1.410(b)-2(b)(2)' as rule_section,
            case
                {% if source != 'deferral' -%}
                    when designs.{{ source }}_formula_id = 'none' then 'not_applicable'
                {% endif -%}
                when {{ prefix }}_hce_benefiting = 0 or {{ prefix }}_nhce_counted = 0 then 'pass'
                when
                    {{ prefix }}_nhce_benefiting * {{ prefix }}_hce_counted * 100
                    >= 70 * {{ prefix }}_nhce_counted * {{ prefix }}_hce_benefiting
                    then 'pass'
                else 'fail'
            end as result,
            case
                {% if source != 'deferral' -%}
                    when designs.{{ source }}_formula_id = 'none' then 'the design has no {{ source }}'
                {% endif -%}
                when {{ prefix }}_hce_benefiting = 0 then 'no HCE benefits'
                when {{ prefix }}_nhce_counted = 0 then 'no NHCE counted'
            end as result_reason,
            designs.ndt_testing_method as testing_method,
            designs.ndt_compensation as compensation_basis,
            cast(null as {{ dbt.type_string() }}) as nhce_average_source,
            cast(null as bigint) as hce_count,
            cast(null as bigint) as nhce_count,
            cast(null as decimal(10, 4)) as hce_average,
            cast(null as decimal(10, 4)) as nhce_average,
            cast(null as decimal(12, 6)) as test_limit,
            cast(null as decimal(12, 6)) as margin,
            cast(null as decimal(10, 4)) as nhce_average_needed,
            {{ prefix }}_hce_counted as hce_counted,
            {{ prefix }}_hce_benefiting as hce_benefiting,
            {{ prefix }}_nhce_counted as nhce_counted,
            {{ prefix }}_nhce_benefiting as nhce_benefiting,
            cast(
                cast(case when {{ prefix }}_hce_benefiting > 0 and {{ prefix }}_nhce_counted > 0 then {{ ratio_half_up(
                    prefix ~ '_nhce_benefiting * ' ~ prefix ~ '_hce_counted',
                    prefix ~ '_nhce_counted * ' ~ prefix ~ '_hce_benefiting', scale=1) }} end as decimal(18, 0))
                * cast(0.0001 as decimal(5, 4)) as decimal(10, 4)
            ) as ratio_percentage,
            cast(0.70 as decimal(10, 4)) as required_ratio_percentage,
            {% for name, data_type in top_heavy_columns -%}
                cast(null as {{ data_type }}) as {{ name }},
            {% endfor -%}
            designs.hce_top_paid_group as is_top_paid_group_elected,
            averaged.lookback_year,
            averaged.hce_compensation_threshold,
            averaged.hce_threshold_published_year,
            averaged.lookback_sources
        from averaged
        inner join designs
            on
                averaged.scenario_id = designs.scenario_id
                and averaged.plan_design_id = designs.plan_design_id
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

top_heavy_rows as (
    select
        top_heavy_determinations.scenario_id,
        top_heavy_determinations.plan_design_id,
        top_heavy_determinations.replication_id,
        top_heavy_determinations.simulation_year,
        'top_heavy' as test_name,
        'IRC §416(g), §416(c)(2)' as rule_section,
        case
            when top_heavy_determinations.is_exempt then 'exempt'
            when top_heavy_determinations.is_top_heavy then 'fail'
            else 'pass'
        end as result,
        case
            when top_heavy_determinations.is_exempt then top_heavy_determinations.exempt_reason
            when top_heavy_determinations.is_top_heavy
                then 'key employees over 60%: minimum owed'
            when top_heavy_determinations.total_balance_amount = 0 then 'no account balances'
        end as result_reason,
        averaged.ndt_testing_method as testing_method,
        averaged.ndt_compensation as compensation_basis,
        {% for name, data_type in ratio_and_coverage_columns -%}
            cast(null as {{ data_type }}) as {{ name }},
        {% endfor -%}
        top_heavy_determinations.determination_date,
        top_heavy_determinations.key_balance_amount,
        top_heavy_determinations.total_balance_amount,
        cast(top_heavy_determinations.former_key_employees as bigint) as former_key_employees,
        top_heavy_determinations.former_key_balance_amount,
        top_heavy_determinations.key_balance_share,
        top_heavy_determinations.top_heavy_threshold,
        top_heavy_determinations.highest_key_rate,
        top_heavy_determinations.minimum_contribution_rate,
        coalesce(top_heavy_minimums.minimum_contribution_employees, 0) as minimum_contribution_employees,
        cast(coalesce(top_heavy_minimums.minimum_contribution_amount, 0) as decimal(18, 2))
            as minimum_contribution_amount,
        averaged.hce_top_paid_group as is_top_paid_group_elected,
        averaged.lookback_year,
        averaged.hce_compensation_threshold,
        averaged.hce_threshold_published_year,
        averaged.lookback_sources
    from top_heavy_determinations
    inner join ratio_tests as averaged
        on
            top_heavy_determinations.scenario_id = averaged.scenario_id
            and top_heavy_determinations.plan_design_id = averaged.plan_design_id
            and top_heavy_determinations.replication_id = averaged.replication_id
            and top_heavy_determinations.simulation_year = averaged.simulation_year
            and averaged.test_name = 'adp'
    left join top_heavy_minimums
        on
            top_heavy_determinations.scenario_id = top_heavy_minimums.scenario_id
            and top_heavy_determinations.plan_design_id = top_heavy_minimums.plan_design_id
            and top_heavy_determinations.replication_id = top_heavy_minimums.replication_id
            and top_heavy_determinations.simulation_year = top_heavy_minimums.simulation_year
),

final as (
    select * from ratio_rows
    union all
    select * from coverage_rows
    union all
    select * from top_heavy_rows
)

select * from final
