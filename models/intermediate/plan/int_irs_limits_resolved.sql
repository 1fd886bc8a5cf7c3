{#-
    The IRS limits that apply in the simulated year. A published year is used as is;
    a later year indexes the last published values by var('limit_indexing_rate') per
    year, rounded down to the IRS increments in var('limit_rounding'), and is flagged
    is_estimated. No row when the year is before the first published year (the
    critical row-count test then stops the year).
-#}
{{ resolved_irs_limits(sim_year()) }}
