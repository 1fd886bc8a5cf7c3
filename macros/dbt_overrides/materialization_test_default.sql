{#-
    The data tests' materialization, replacing dbt's own for this project. dbt's stores the rows of every
    test that has store_failures, failing or not: it drops last run's table, creates the new one, commits,
    then counts its rows, which makes every test a handful of statements even when nothing fails. Here a
    test is one query: its failure count. Only a test that warns or fails then stores its rows, in the
    same table of the audit schema as before (<schema>_dbt_test__audit.<test name>), so its failing rows
    are there to inspect, exactly as dbt would have stored them. A passing test drops the table that an
    earlier failure of it left, so the audit schema holds the failures of each test's latest run only.
    The count and the stored rows come from the same SQL, read twice only when the test did not pass.
    dbt names this macro materialization_test_default. One of PlanAlign's overrides of dbt
    (scripts/dbt/overrides.py, "test_materialization"): with PLANALIGN_PLAIN_DBT=1 it hands the test to
    dbt's own materialization, which stores every test's rows, passing or not.
-#}
{%- materialization test, default -%}
    {%- if planalign_plain_dbt() -%}
        {{ return(dbt.materialization_test_default()) }}
    {%- endif -%}
    {%- set relations = [] -%}
    {%- set limit = config.get('limit') -%}
    {%- set sql_header = config.get('sql_header') if flags.REQUIRE_SQL_HEADER_IN_TEST_CONFIGS else none -%}
    {%- set sql_with_limit -%}
        {{ get_limit_subquery_sql(sql, limit) }}
    {%- endset -%}

    {%- call statement('main', fetch_result=True) -%}
        {% if sql_header %}{{ sql_header }}{% endif %}
        {{ get_test_sql(sql_with_limit, config.get('fail_calc'), config.get('warn_if'), config.get('error_if'), limit=none) }}
    {%- endcall -%}

    {%- set store_failures_as = config.get('store_failures_as') or 'table' -%}
    {#- 'ephemeral' stores nothing, as in dbt's own materialization -#}
    {%- if should_store_failures() and store_failures_as != 'ephemeral' -%}
        {%- set outcome = load_result('main')['table'].rows[0] -%}
        {%- set passed = not (outcome['should_warn'] or outcome['should_error']) -%}
        {%- if store_failures_as not in ['table', 'view'] -%}
            {{ exceptions.raise_compiler_error(
                "'" ~ store_failures_as ~ "' is not a valid value for `store_failures_as`. "
                "Accepted values are: ['ephemeral', 'table', 'view']") }}
        {%- endif -%}
        {%- set old_relation = adapter.get_relation(database=database, schema=schema, identifier=model['alias']) -%}
        {%- if old_relation -%}
            {%- do adapter.drop_relation(old_relation) -%}
        {%- endif -%}
        {%- if not passed -%}
            {%- set target_relation = api.Relation.create(
                identifier=model['alias'], schema=schema, database=database, type=store_failures_as) -%}
            {%- call statement('store_failures', auto_begin=True) -%}
                {% if sql_header %}{{ sql_header }}{% endif %}
                {{ get_create_sql(target_relation, sql_with_limit) }}
            {%- endcall -%}
            {%- do relations.append(target_relation) -%}
        {%- endif -%}
        {%- if old_relation or not passed -%}
            {{ adapter.commit() }}
        {%- endif -%}
    {%- endif -%}

    {{ return({'relations': relations}) }}
{%- endmaterialization -%}
