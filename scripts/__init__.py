"""PlanAlign command-line interface (click). Python stays at the edges: the simulation is dbt SQL."""
