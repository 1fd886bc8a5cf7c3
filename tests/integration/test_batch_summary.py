"""The batch's decision summary, as a consultant hands it over: one page and one workbook with every design side by
side (the base first), written by `planalign batch` itself. A batch of three designs on a census built to fail the
ADP test (the highly paid defer 12%, a third of the others 1%, the rest nothing): today's plan (baseline, tested),
QACA (safe harbor, exempt) and the same plan without auto-enrollment (tested, fails). The page is parsed, the
workbook read with openpyxl, and a difference, a probability of failing with its interval and a QNEC cost are
recomputed here in plain Python from the events and the tests' rows, not from the summary's SQL."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pytest
import yaml
from statsmodels.stats.proportion import proportion_confint

from conftest import (
    ROOT,
    START,
    console_errors,
    query,
    render_in_chromium,
    reports_of,
    run_planalign,
    sensitivity_sheet_rows,
)
from planalign.cli.study import study_database
from planalign.reports import units

END = START + 1
REPLICATIONS = 3
SCENARIOS = ["today", "today_qaca", "today_no_auto_enroll"]  # base first, as the batch lists them
# the designs' names on the page: scenario-design (the scenario files are not in scenarios/, so the page names both)
NAMES = ["today-baseline", "today_qaca-qaca", "today_no_auto_enroll-no_auto_enroll"]
FORMATS = {units.COUNT: "#,##0", units.MONEY: "$#,##0", units.RATE: "0.00%"}
DIFFERENCES = {**FORMATS, units.RATE: "+0.00%;-0.00%;0.00%"}  # a difference of rates: percentage points


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> dict:
    return build_study(tmp_path_factory.mktemp("study"))


def build_study(folder) -> dict:
    generated = folder / "generated.csv"
    run_planalign("census", "--n", "300", "--seed", "23", "--out", str(generated), db=folder / "unused.duckdb")
    with generated.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    census = folder / "census.csv"
    with census.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            number = int(row["employee_id"].removeprefix("EMP_"))
            rate = "0.12" if Decimal(row["annual_compensation"]) >= 150000 else "0.01" if number % 3 == 0 else ""
            writer.writerow({**row, "deferral_rate": rate, "enrollment_date": row["hire_date"] if rate else ""})
    base = folder / "today.yml"
    base.write_text(yaml.safe_dump({"scenario_id": "today", "plan_design_id": "baseline", "start_year": START,
                                    "end_year": END, "random_seed": 42, "census_path": str(census)}))
    qaca = folder / "today_qaca.yml"
    qaca.write_text(yaml.safe_dump({"extends": str(base), "scenario_id": "today_qaca", "plan_design": "qaca"}))
    failing = folder / "today_no_auto_enroll.yml"
    failing.write_text(yaml.safe_dump({"extends": str(base), "scenario_id": "today_no_auto_enroll", "plan_design": {
        "extends": "baseline", "id": "no_auto_enroll", "is_auto_enroll": False, "auto_enroll_scope": "none",
        "auto_enroll_rate": 0, "is_auto_escalation": False, "escalation_rate": 0, "escalation_cap": 0}}))
    db = folder / "study.duckdb"
    result = run_planalign("batch", "--scenarios", f"{base} {qaca} {failing}", "--replications", str(REPLICATIONS),
                           db=db)
    page = reports_of(db) / "compare" / "today-baseline__decision_summary.html"
    return {"db": db, "result": result, "page": page}


class Tables(HTMLParser):
    """Every <table> of a page: its header cells and its rows, each cell as (text, attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.cell: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"class": dict(attrs).get("class", ""), "header": [], "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables:
            self.cell = {"text": "", "attrs": dict(attrs), "tag": tag}

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            table = self.tables[-1]
            if self.cell["tag"] == "th":
                table["header"].append(self.cell)
            else:
                table["rows"][-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data

    def table(self, css: str) -> dict:
        found = [table for table in self.tables if css in table["class"].split()]
        assert len(found) == 1, (css, [table["class"] for table in self.tables])
        found[0]["rows"] = [row for row in found[0]["rows"] if row]
        return found[0]


def parsed(page) -> Tables:
    tables = Tables()
    tables.feed(page.read_text())
    return tables


def net_costs(db) -> dict[tuple[str, int], float]:
    """Each (scenario, replication)'s employer cost net of forfeitures over the years, from the events alone: every
    year's match + core + QNEC + top-heavy minimum, less last year's forfeitures (the designs use them to reduce the
    employer's contributions) up to that cost."""
    cost: dict[tuple[str, int, int], Decimal] = defaultdict(Decimal)
    forfeited: dict[tuple[str, int, int], Decimal] = defaultdict(Decimal)
    for scenario, replication, year, event, amount in query(
            db, "select scenario_id, replication_id, simulation_year, event_type, amount from fct_yearly_events "
                "where event_type in ('employer_match', 'employer_core', 'qnec', 'top_heavy_minimum', 'forfeiture')"):
        target = forfeited if event == "forfeiture" else cost
        target[(scenario, replication, year)] += Decimal(amount)
    totals: dict[tuple[str, int], float] = defaultdict(float)
    for (scenario, replication, year), gross in cost.items():
        used = min(forfeited.get((scenario, replication, year - 1), Decimal(0)), gross)
        totals[(scenario, replication)] += float(gross - used)
    return totals


def quantile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def dollars(text: str) -> int:
    return int(text.replace("$", "").replace(",", "").replace("+", ""))


def test_the_batch_writes_the_summary_page_workbook_and_csvs_and_says_where(study):
    out = study["result"].stdout
    folder = reports_of(study["db"]) / "compare"
    for name in ("today-baseline__decision_summary.html", "today-baseline__decision_summary.xlsx",
                 "today-baseline__decision_summary.csv", "today-baseline__compliance_summary.csv",
                 "today-baseline__sensitivity.csv"):
        assert (folder / name).exists(), name
        assert str((folder / name).relative_to(ROOT)) in out, name
    # the tornado's variants are the study's points, not runs of their own: no run report of theirs is written
    assert not list(reports_of(study["db"]).glob("*__sens")), "a run report of the tornado's variants"
    assert "__sens" not in "".join(line for line in out.splitlines() if line.startswith("report:"))
    dom, log = render_in_chromium(study["page"], ROOT / "artifacts" / "screenshots" / "decision_summary.png")
    assert console_errors(log) == [], console_errors(log)
    # the two overview charts, four figures by year (levels and differences), one winners chart and one tornado
    # per alternative; each drew (plotly makes at least two svg layers a chart)
    charts = re.findall(r'<div id="(chart-[\w-]+)" class="plotly-graph-div', dom)
    assert len(charts) == 2 + 8 + 2 + 2, charts
    assert dom.count('class="main-svg"') >= 2 * len(charts)


def test_the_page_has_the_designs_as_columns_base_first_and_a_difference_recomputed_from_the_events(study):
    tables = parsed(study["page"])
    lead = tables.table("summary")
    header = [cell["text"] for cell in lead["header"]]
    assert header == ["figure", "what the figure is", f"{NAMES[0]} (base)", *NAMES[1:],
                      *(f"{name}{part}" for name in NAMES[1:] for part in (" − base", " − base, P10 to P90"))]
    net = next(row for row in lead["rows"] if row[0]["text"] == "Employer cost net of forfeitures used")
    assert net[1]["text"] == f"total {START}-{END}"
    totals = net_costs(study["db"])
    base = [totals[(SCENARIOS[0], r)] for r in range(1, REPLICATIONS + 1)]
    for index, name in enumerate(SCENARIOS[1:]):
        alt = [totals[(name, r)] for r in range(1, REPLICATIONS + 1)]
        differences = [a - b for a, b in zip(alt, base, strict=True)]
        # the page shows whole dollars: equal to within the rounding
        assert dollars(net[3 + index]["text"]) == pytest.approx(sum(alt) / REPLICATIONS, abs=0.51)
        assert dollars(net[5 + 2 * index]["text"]) == pytest.approx(sum(differences) / REPLICATIONS, abs=0.51), name
        low, high = net[6 + 2 * index]["text"].split(" to ")
        assert (dollars(low), dollars(high)) == pytest.approx((quantile(differences, 0.1),
                                                               quantile(differences, 0.9)), abs=0.51), name
    assert dollars(net[2]["text"]) == pytest.approx(sum(base) / REPLICATIONS, abs=0.51)
    html = study["page"].read_text()
    for name, scenario in zip(NAMES[1:], SCENARIOS[1:], strict=True):
        assert f'data-design="{name}">Moving from today/baseline to {scenario}/' in html


def test_the_compliance_rows_give_each_design_its_result_and_probability_recomputed_from_the_tests(study):
    db = study["db"]
    compliance = parsed(study["page"]).table("compliance")
    assert [cell["text"] for cell in compliance["header"]] == ["year", "test", "rule", f"{NAMES[0]} (base)",
                                                               *NAMES[1:]]
    tested = defaultdict(list)
    margins = defaultdict(list)
    for scenario, year, test, result, margin in query(db, "select scenario_id, simulation_year, test_name, result, "
                                                          "margin from rpt_nondiscrimination"):
        tested[(year, test, scenario)].append(result)
        if margin is not None:
            margins[(year, test, scenario)].append(float(margin))
    shown = {(int(row[0]["text"]), row[1]["attrs"]["data-test"]): row[3:] for row in compliance["rows"]
             if "data-test" in row[1]["attrs"]}
    assert set(shown) == {(year, test) for year, test, _ in tested}, "every test of every year, whatever its name"
    for (year, test), cells in shown.items():
        for name, cell in zip(SCENARIOS, cells, strict=True):
            results = tested[(year, test, name)]
            assert len(results) == REPLICATIONS
            probability = results.count("fail") / len(results)
            assert float(cell["attrs"]["data-fail-probability"]) == pytest.approx(probability, abs=1e-6)
            if set(results) == {"exempt"}:
                assert cell["text"] == "exempt" and name == "today_qaca"
            elif set(results) != {"not_applicable"}:
                assert cell["text"].startswith(f"{probability * 100:.0f}%"), (year, test, name, cell["text"])
                assert f"{results.count('fail')} of {REPLICATIONS} failed" in cell["text"]
                assert ("bad" in cell["attrs"]["class"]) == ("fail" in results)
                if margins[(year, test, name)]:  # ADP/ACP: the median margin, in points of pay
                    median = quantile(margins[(year, test, name)], 0.5) * 100
                    assert f"median margin {median:+.2f} pt" in cell["text"], (year, test, name, cell["text"])
    adp = [shown[(year, "adp")][2] for year in (START, END)]
    assert all(cell["attrs"]["data-outcome"] == "fail" for cell in adp), "built to fail ADP"
    # the model's 90% interval of the probability of failing, against statsmodels' Wilson interval
    for name in SCENARIOS:
        for year, test in shown:
            results = tested[(year, test, name)]
            if set(results) <= {"exempt", "not_applicable"}:
                continue
            (low, high), = query(db, "select fail_probability_low, fail_probability_high from rpt_compliance_summary "
                                     "where scenario_id = ? and simulation_year = ? and test_name = ? "
                                     "and replication_set = 'monte_carlo'", [name, year, test])
            expected = proportion_confint(results.count("fail"), len(results), alpha=0.10, method="wilson")
            assert (low, high) == pytest.approx(expected, abs=1e-6), (name, year, test)
    net = next(row for row in compliance["rows"] if row[1]["text"] == "employer cost net of forfeitures used")
    assert all(cell["text"].startswith("$") for cell in net[3:])


def test_the_correction_costs_are_the_means_of_the_corrections_of_every_replication(study):
    corrections = parsed(study["page"]).table("corrections")
    header = [cell["attrs"]["data-column"] for cell in corrections["header"]]
    rows = {(int(row[0]["text"]), row[1]["attrs"]["data-test"]): row for row in corrections["rows"]}
    assert (START, "adp") in rows
    by_run = defaultdict(list)
    for year, test, refund, qnec in query(study["db"], "select simulation_year, test_name, refund_total, qnec_cost "
                                                       "from rpt_nondiscrimination_corrections "
                                                       "where scenario_id = 'today_no_auto_enroll'"):
        by_run[(year, test)].append((refund, qnec))
    for key, row in rows.items():
        values = by_run[key]
        assert len(values) == REPLICATIONS
        refund = float(sum(value[0] for value in values)) / REPLICATIONS
        qnec = float(sum(value[1] for value in values)) / REPLICATIONS
        assert dollars(row[header.index(f"refund:{NAMES[2]}")]["text"]) == pytest.approx(refund, abs=0.51)
        assert dollars(row[header.index(f"qnec:{NAMES[2]}")]["text"]) == pytest.approx(qnec, abs=0.51)
    assert dollars(rows[(START, "adp")][header.index(f"qnec:{NAMES[2]}")]["text"]) > 0


def test_the_workbook_formats_every_cell_as_what_it_is_and_names_base_alternatives_and_sign(study):
    book = openpyxl.load_workbook(study["page"].with_suffix(".xlsx"))
    assert book.sheetnames == ["Decision summary", "Compliance", "Winners and losers", "Sensitivity", "Provenance"]
    sheet = book["Decision summary"]
    notes = [row[0].value for row in sheet.iter_rows(max_row=6)]
    assert notes[0].startswith(f"Base: {NAMES[0]}. Alternatives: {NAMES[1]}, {NAMES[2]}.")
    assert "alternative minus base" in notes[0]
    assert sum(1 for note in notes if note and note.startswith("Moving from today/baseline to")) == 2
    top = next(row[0].row for row in sheet.iter_rows() if row[0].value == "year")
    header = [cell.value for cell in sheet[top]]
    assert header[:5] == ["year", "figure", "label", "metric", NAMES[0]]
    assert header[5:15] == [f"{name}{suffix}" for name in NAMES[1:] for suffix in
                            ("", " - base", " - base P10", " - base P90", " vs base (relative)")]
    seen = set()
    for row in sheet.iter_rows(min_row=top + 1):
        values = {name: cell for name, cell in zip(header, row, strict=True)}
        metric = values["metric"].value
        seen.add(metric)
        unit = units.metric(metric).unit
        for name in header[4:]:
            expected = ("0.0%" if name.endswith("(relative)") else DIFFERENCES[unit] if " - base" in name
                        else FORMATS[unit])
            if values[name].value is not None:  # none: a relative difference from a base of 0
                assert values[name].number_format == expected, (metric, name)
        if values["year"].value != "horizon":
            assert isinstance(values["year"].value, int) and values["year"].number_format == "0"
    assert {"net_employer_cost", "net_employer_cost_present_value", "employer_cost_pct_of_pay",
            "employer_cost_per_participant", "participation_rate", "average_deferral_rate", "end_headcount"} <= seen
    compliance = book["Compliance"]
    top = next(row[0].row for row in compliance.iter_rows() if row[0].value == "year")
    header = [cell.value for cell in compliance[top]]
    kinds = {"probability of failing": "0.0%", "90% low": "0.0%", "90% high": "0.0%", "replications failed": "#,##0",
             "replications": "#,##0", "refund (mean)": "$#,##0", "QNEC (mean)": "$#,##0", "outcome": "General"}
    assert [name for name in header[3:] if name.startswith(f"{NAMES[2]}:")] == \
        [f"{NAMES[2]}: {kind}" for kind in ("outcome", "probability of failing", "90% low", "90% high",
                                                      "replications failed", "replications", "refund (mean)",
                                                      "QNEC (mean)")]
    for row in compliance.iter_rows(min_row=top + 1):
        assert row[0].number_format == "0" and isinstance(row[0].value, int)
        for name, cell in zip(header[3:], row[3:], strict=True):
            if cell.value is not None:
                assert cell.number_format == kinds[name.split(": ", 1)[1]], (name, cell.number_format)
    winners = book["Winners and losers"]
    top = next(row[0].row for row in winners.iter_rows() if row[0].value == "alternative")
    header = [cell.value for cell in winners[top]]
    assert header == ["alternative", "by", "band", "replications", "people", "people who gain", "people who lose",
                      "people unchanged", "base: employer contributions", "alternative: employer contributions",
                      "mean change per person", "P10 change", "P90 change", "mean gain of those who gain",
                      "mean loss of those who lose"]
    rows = list(winners.iter_rows(min_row=top + 1))
    assert rows[0][0].value == NAMES[1] and {row[1].value for row in rows} >= {"all", "pay band", "job level"}
    for row in rows:
        assert all(cell.number_format == "#,##0.0" for cell in row[4:8])  # counts per replication
        assert all(cell.number_format == "$#,##0" for cell in row[8:] if cell.value is not None)
    # no rate that is zero to the shown decimals reads "-0.00%" (a difference of -0.00001 is written 0)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, float) and "%" in cell.number_format and cell.value < 0:
                    assert cell.value <= -0.00005, (sheet.title, cell.coordinate, cell.value)


def test_the_tornado_of_each_alternative_is_recomputed_from_the_events(study):
    """The batch ends with a sensitivity study: every default assumption at its low and high value, each point
    one replication of one variant per design, drawing as the grid's replication 1. Each figure is recomputed here
    from the events: the alternative's net cost minus the base's in the point's replication. The central point is
    the grid's replication 1 with every assumption at its central value (the grid itself drew its assumptions per
    replication)."""
    db = study["db"]
    with (reports_of(db) / "compare" / "today-baseline__sensitivity.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["alternative"] for row in rows} == set(NAMES[1:])
    assert len(rows) == 2 * 4 and {row["setting"] for row in rows} == {
        "workforce.total_termination_rate", "workforce.target_growth_rate", "workforce.pay_growth_shift",
        "plan.voluntary_enrollment_shift"}
    # the study's variants are in its own database (built beside the grid), the grid's in the batch's
    assert not {scenario for scenario, _ in net_costs(db)} & {s + "__sens" for s in SCENARIOS}
    costs = {**net_costs(db), **net_costs(study_database(db))}
    scenario = dict(zip(NAMES, SCENARIOS, strict=True))

    def paired(alternative: str, ids: range, variant: bool = True) -> float:
        suffix = "__sens" if variant else ""
        return sum(costs[(scenario[alternative] + suffix, r)] - costs[(SCENARIOS[0] + suffix, r)]
                   for r in ids) / len(ids)

    for row in rows:
        for end in ("low", "high"):
            first, _, last = row[f"{end}_replication_ids"].partition("-")
            ids = range(int(first), int(last or first) + 1)
            assert len(ids) == 1
            assert float(row[f"metric_at_{end}_amount"]) == pytest.approx(paired(row["alternative"], ids), abs=0.02)
        central = paired(row["alternative"], range(1, 2))
        assert float(row["metric_central_amount"]) == pytest.approx(central, abs=0.02)
    # the assumptions move the difference (QACA's match on more pay and more people costs more than today's)
    assert any(float(row["swing_amount"]) > 100 for row in rows)
    tables = [table for table in parsed(study["page"]).tables if "tornado" in table["class"].split()]
    assert len(tables) == 2 and all(len([r for r in table["rows"] if r]) == 4 for table in tables)
    sheet = sensitivity_sheet_rows(openpyxl.load_workbook(study["page"].with_suffix(".xlsx"))["Sensitivity"])
    assert [(row["alternative"], row["setting"]) for row in sheet] == [(row["alternative"], row["setting"])
                                                                       for row in rows]
    for shown, row in zip(sheet, rows, strict=True):
        scale = 100 if row["setting"].endswith("_shift") else 1
        assert (shown["low"], shown["high"]) == pytest.approx((float(row["low_rate"]) * scale,
                                                              float(row["high_rate"]) * scale))
        assert shown["swing"] == pytest.approx(float(row["swing_amount"]))


def test_a_monte_carlo_batch_draws_the_assumptions_per_replication_the_same_in_every_design(study):
    """make batch on a Monte Carlo set turns parameter_uncertainty on: each replication draws its own termination
    rate and growth, the same in every design (the differences stay paired), and every report says its bands
    cover assumption uncertainty as well as the random draws."""
    drawn = defaultdict(dict)
    for db in (study["db"], study_database(study["db"])):
        for scenario, replication, rates in query(db, "select scenario_id, replication_id, "
                                                      "list(distinct total_termination_rate) "
                                                      "from fct_headcount_plan group by all"):
            assert len(rates) == 1, "one value per replication, every year"
            drawn[scenario][replication] = rates[0]
    assert set(drawn) >= set(SCENARIOS)
    assert len({drawn[SCENARIOS[0]][r] for r in range(1, REPLICATIONS + 1)}) == REPLICATIONS
    for scenario in SCENARIOS[1:]:
        assert {r: drawn[scenario][r] for r in range(1, REPLICATIONS + 1)} == \
            {r: drawn[SCENARIOS[0]][r] for r in range(1, REPLICATIONS + 1)}
    # the tornado's variants do not draw: every point holds the central rate but the termination points
    assert len(set(drawn[SCENARIOS[0] + "__sens"].values())) == 3
    assert "random draws and assumption uncertainty" in study["page"].read_text()
    notes = [row[0].value for row in openpyxl.load_workbook(study["page"].with_suffix(".xlsx"))[
        "Decision summary"].iter_rows(max_row=8)]
    assert any(note and "random draws and assumption uncertainty" in note for note in notes)
