"""PlanAlign: a workforce and 401(k) plan simulator. The simulation is dbt SQL (models/, macros/); this package
is the Python at its edges.

    planalign.cli      the command line (click): options in, lines and exit codes out
    planalign.engine   configuration, plan designs, the census checks and the year protocol; typed results
    planalign.store    every SQL statement the command line sends, and run safety (lock, backups, checkpoints)
    planalign.dbt      dbt run in this process, and every place the project reaches into dbt's internals
    planalign.reports  the HTML report and the workbook
    planalign.bench    the benchmark record
    planalign.hooks    the dbt-duckdb plugin the run-safety hooks call (the folder hooks/)
    planalign.keys     the key of everything a run writes: (scenario, plan design, replication set)
    planalign.settings the PLANALIGN_* environment settings

The core raises planalign.errors.PlanAlignError and never prints; only planalign.cli talks to the terminal.
"""
