"""planalign.hooks: the dbt-duckdb plugin (profiles.yml) that gives the run-safety hooks their SQL functions."""
