{#-
    Each Jan 1 employee's wages from the employer in the prior calendar year, for the Roth
    catch-up rule (IRC §414(v)(7): FICA wages of the preceding year). Later years: the prior
    year's snapshot, its prorated pay (the pay earned in that year). The start year: the census
    prior_year_compensation when given, else the census pay rate (wages_source says which). The
    year's hires have no row: they had no wages from the employer in the prior year.
-#}
{%- set year = sim_year() -%}
{%- set is_first_year = (year == var('start_year') | int) -%}
{#- the refs sit outside the year branches: the parse records the same refs for every year (parse once) -#}
{%- set census_relation = ref('stg_census__employees') -%}

with

start_of_year as (
    select
        replication_id,
        employee_id
    from {{ ref('int_workforce_start_of_year') }}
),

{% if is_first_year %}

    census as (
        select
            employee_id,
            annual_compensation,
            prior_year_compensation
        from {{ census_relation }}
        where
            scenario_id = '{{ var("scenario_id") }}'
            and plan_design_id = '{{ var("plan_design_id") }}'
    ),

    wages as (
        select
            start_of_year.replication_id,
            start_of_year.employee_id,
            coalesce(census.prior_year_compensation, census.annual_compensation) as prior_year_wages,
            case
                when census.prior_year_compensation is not null then 'census_prior_year_compensation'
                else 'census_annual_compensation'
            end as wages_source
        from start_of_year
        inner join census
            on start_of_year.employee_id = census.employee_id
    ),

{% else %}

    prior_year as (
        select
            replication_id,
            employee_id,
            prorated_compensation
        from {{ prior_snapshot_relation(year) }}
        where
            scenario_id = '{{ var("scenario_id") }}'
            and plan_design_id = '{{ var("plan_design_id") }}'
            and simulation_year = {{ year - 1 }}
            and {{ replication_filter() }}
    ),

    wages as (
        select
            start_of_year.replication_id,
            start_of_year.employee_id,
            prior_year.prorated_compensation as prior_year_wages,
            'prior_year_snapshot' as wages_source
        from start_of_year
        inner join prior_year
            on
                start_of_year.replication_id = prior_year.replication_id
                and start_of_year.employee_id = prior_year.employee_id
    ),

{% endif %}

final as (
    select
        cast(wages.replication_id as integer) as replication_id,
        wages.employee_id,
        cast(wages.prior_year_wages as decimal(18, 2)) as prior_year_wages,
        wages.wages_source
    from wages
)

select * from final
