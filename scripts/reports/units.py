"""What each reported metric is: its unit (a count, money or a rate), how its horizon figure is made (a total
over the years, or the value at the start or the end of the horizon) and a label for people. The workbook's
number formats, the pages' axes and the comparison's row labels read it; the horizon rules mirror the
scenario_metrics macro (macros/ops/scenario_metrics.sql), which a unit test keeps in step."""

from __future__ import annotations

from dataclasses import dataclass

COUNT, MONEY, RATE = "count", "money", "rate"


@dataclass(frozen=True)
class Metric:
    label: str
    unit: str  # COUNT, MONEY or RATE
    horizon: str  # 'sum', 'first', 'last' or 'ratio' (as in the scenario_metrics macro)


METRICS: dict[str, Metric] = {
    "start_headcount": Metric("Headcount on Jan 1", COUNT, "first"),
    "hires": Metric("Hires", COUNT, "sum"),
    "terminations": Metric("Terminations", COUNT, "sum"),
    "end_headcount": Metric("Headcount on Dec 31", COUNT, "last"),
    "average_compensation": Metric("Average pay", MONEY, "last"),
    "total_prorated_compensation": Metric("Total pay (prorated)", MONEY, "sum"),
    "eligible_count": Metric("Eligible employees", COUNT, "last"),
    "participant_count": Metric("Participants", COUNT, "last"),
    "participation_rate": Metric("Participation", RATE, "last"),
    "average_deferral_rate": Metric("Average deferral rate", RATE, "last"),
    "employee_contributions": Metric("Employee deferrals", MONEY, "sum"),
    "employer_match": Metric("Employer match", MONEY, "sum"),
    "employer_core": Metric("Employer core", MONEY, "sum"),
    "employer_cost": Metric("Employer cost, gross (match + core + QNEC)", MONEY, "sum"),
    "forfeitures": Metric("Forfeitures arising", MONEY, "sum"),
    "gross_employer_cost": Metric("Employer cost, gross (with QNEC and top-heavy minimum)", MONEY, "sum"),
    "forfeitures_used": Metric("Forfeitures used to reduce employer cost", MONEY, "sum"),
    "net_employer_cost": Metric("Employer cost net of forfeitures used", MONEY, "sum"),
    "active_balances": Metric("Account balances of the actives", MONEY, "last"),
    "employer_cost_present_value": Metric("Present value of gross employer cost", MONEY, "sum"),
    "net_employer_cost_present_value": Metric("Present value of net employer cost", MONEY, "sum"),
    "employer_cost_pct_of_pay": Metric("Employer cost as % of pay", RATE, "ratio"),
    "employer_cost_per_participant": Metric("Employer cost per participant", MONEY, "ratio"),
}


def metric(name: str) -> Metric:
    """A metric's description; one this table does not know yet is read from its name (a rate ends in _rate or
    _share, a count in _count or _headcount, everything else is money) and shown as the value at the end."""
    if name in METRICS:
        return METRICS[name]
    if name.endswith(("_rate", "_share")):
        unit = RATE
    elif name.endswith(("_count", "_headcount", "hires", "terminations")):
        unit = COUNT
    else:
        unit = MONEY
    return Metric(name.replace("_", " ").capitalize(), unit, "last")


def horizon_label(name: str, first_year: int | str, last_year: int | str) -> str:
    """What the horizon figure of a metric is: a total over the years, or the value at their start or end."""
    rule = metric(name).horizon
    if rule == "sum":
        return f"total {first_year}-{last_year}"
    if rule == "first":
        return f"at the start of {first_year}"
    if rule == "ratio":
        return f"over {first_year}-{last_year}"
    return f"at the end of {last_year}"


def unit_title(unit: str) -> str:
    """The axis title of a unit."""
    return {COUNT: "employees", MONEY: "US dollars", RATE: "percent"}[unit]


def wide(columns: list[str], rows: list[tuple], statistics: tuple[tuple[str, str], ...]
         ) -> tuple[list[str], list[tuple]]:
    """Long rows (period, metric, one column per statistic) as a wide table a reader scans: one row per metric
    (and statistic), one column per year, then the horizon figure and what it is (a total, or the value at the
    start or the end). Only rearranges: every figure is a cell of the input."""
    period, name = columns.index("period"), columns.index("metric")
    years = sorted({str(row[period]) for row in rows if row[period] != "horizon"})
    cells: dict[tuple[str, str, str], object] = {}
    order: list[str] = []
    for row in rows:
        if row[name] not in order:
            order.append(row[name])
        for column, statistic in statistics:
            cells[(row[name], statistic, str(row[period]))] = row[columns.index(column)]
    header = ["label", "metric", *(["statistic"] if len(statistics) > 1 else []), *years, "horizon", "horizon_is"]
    out = []
    for metric_name in order:
        for _, statistic in statistics:
            out.append((metric(metric_name).label, metric_name, *([statistic] if len(statistics) > 1 else []),
                        *(cells.get((metric_name, statistic, year)) for year in years),
                        cells.get((metric_name, statistic, "horizon")),
                        horizon_label(metric_name, years[0], years[-1]) if years else ""))
    return header, out
