"""The decision summary's arrangement, on hand-made model rows (no dbt): every design a column whatever their
number (the base first, then each alternative's value, difference and band), the compliance cell of a single run
and of a Monte Carlo set, and the workbook's per-cell formats of a wide sheet whose columns are designs."""

from __future__ import annotations

import re

import openpyxl

from planalign.keys import Replications, RunKey
from planalign.reports import summary, units
from planalign.reports.xlsx import write_workbook

FORMATS = {units.COUNT: "#,##0", units.MONEY: "$#,##0", units.RATE: "0.00%"}
DIFFERENCES = {**FORMATS, units.RATE: "+0.00%;-0.00%;0.00%"}  # a difference of rates: percentage points
METRICS = (("net_employer_cost", "Employer cost net of forfeitures used", 1_000_000.0),
           ("participation_rate", "Participation rate", 0.80), ("end_headcount", "Headcount (Dec 31)", 900))


def decision_rows(alt_index: int, monte_carlo: bool) -> list[dict]:
    rows = []
    for period, period_sort in (("2025", 2025), ("2026", 2026), ("horizon", 9999)):
        for row_sort, (metric, label, base) in enumerate(METRICS, start=1):
            alt = base * (1 + 0.1 * alt_index)
            rows.append({"period": period, "period_sort": period_sort, "row_sort": row_sort, "metric": metric,
                         "metric_label": label, "value_kind": "year" if period != "horizon" else "total 2025-2026",
                         "replications": 20 if monte_carlo else 1, "base_value": base, "alt_value": alt,
                         "abs_difference": alt - base, "difference_p10": (alt - base) * 0.9 if monte_carlo else None,
                         "difference_p90": (alt - base) * 1.1 if monte_carlo else None,
                         "rel_difference": (alt - base) / base, "headline": f"Moving to design {alt_index}."})
    return rows


def study(alternatives: int, monte_carlo: bool = True) -> summary.Study:
    replications = Replications(20 if monte_carlo else 0)
    keys = [RunKey(f"s{index}", f"d{index}", replications) for index in range(alternatives + 1)]
    return summary.Study(base=keys[0], alts=keys[1:], names=[f"design{index}" for index in range(len(keys))],
                         decisions=[decision_rows(index, monte_carlo) for index in range(1, len(keys))],
                         winners=[([], []) for _ in keys[1:]], compliance=[], provenance=[{} for _ in keys],
                         settings=[[] for _ in keys], band_kind="bands")


def test_every_design_is_a_column_base_first_for_three_or_more_designs():
    for alternatives in (1, 2, 4):
        found = study(alternatives)
        lines = summary.design_rows(found)
        assert [line["period"] for line in lines[:3]] == ["horizon"] * 3, "the horizon first, then each year"
        assert all(len(line["alts"]) == alternatives for line in lines)
        table = summary.figures_table(found, [line for line in lines if line["period"] == "horizon"], "t",
                                      by_year=False)
        names = [f"design{index}" for index in range(1, alternatives + 1)]
        assert table["columns"][2:] == ["design0 (base)", *names,
                                        *(f"{name}{part}" for name in names
                                          for part in (" − base", " − base, P10 to P90"))]
        net = table["rows"][0]
        assert [cell["text"] for cell in net[2:3 + alternatives]] == \
            ["$1,000,000", *(f"${1_000_000 * (1 + 0.1 * k):,.0f}" for k in range(1, alternatives + 1))]
        assert net[3 + alternatives]["text"] == "+$100,000"
        assert net[4 + alternatives]["text"] == "+$90,000 to +$110,000"
        rate = table["rows"][1]
        assert rate[2]["text"] == "80.00%" and rate[3 + alternatives]["text"] == "+8.00 pt"


def test_a_compliance_cell_says_pass_or_fail_for_a_single_run_and_the_probability_for_a_set():
    single = {"replication_set": "single", "outcome": "fail", "failed": 1, "replications": 1,
              "fail_probability": 1.0, "fail_probability_low": None, "fail_probability_high": None,
              "result_reason": None, "median_margin": -0.0045}
    cell = summary.compliance_cell(single)
    assert cell["text"] == "fail" and cell["class"] == "bad" and cell["data"]["fail-probability"] == 1.0
    assert cell["data"]["detail"] == "margin -0.45 pt"
    monte_carlo = {**single, "replication_set": "monte_carlo", "outcome": "mixed", "failed": 7, "replications": 20,
                   "fail_probability": 0.35, "fail_probability_low": 0.1905, "fail_probability_high": 0.5499}
    cell = summary.compliance_cell(monte_carlo)
    assert cell["text"] == "35%" and cell["data"]["detail"] == "7 of 20 failed; 90%: 19%–55%; median margin -0.45 pt"
    coverage = summary.compliance_cell({**monte_carlo, "median_margin": None})
    assert coverage["data"]["detail"] == "7 of 20 failed; 90%: 19%–55%"  # coverage has a ratio, not a margin
    exempt = {**monte_carlo, "outcome": "exempt", "failed": 0, "fail_probability": 0.0,
              "result_reason": "safe harbor qaca"}
    cell = summary.compliance_cell(exempt)
    assert cell["text"] == "exempt" and cell["data"]["reason"] == "safe harbor qaca"
    passed = {**monte_carlo, "outcome": "pass", "failed": 0, "fail_probability": 0.0, "fail_probability_low": 0.0}
    assert summary.compliance_cell(passed)["class"] == "ok"


def test_the_decision_sheet_formats_each_design_cell_in_its_rows_unit(tmp_path):
    found = study(2, monte_carlo=False)
    path = write_workbook(tmp_path / "book.xlsx", [summary.decision_sheet(found)])
    sheet = openpyxl.load_workbook(path)["Decision summary"]
    top = next(row[0].row for row in sheet.iter_rows() if row[0].value == "year")
    header = [cell.value for cell in sheet[top]]
    assert header[4:7] == ["design0", "design1", "design1 - base"]
    checked = 0
    for row in sheet.iter_rows(min_row=top + 1):
        unit = units.metric(row[3].value).unit
        for name, cell in zip(header, row, strict=True):
            if name in ("year", "figure", "label", "metric"):
                continue
            if cell.value is not None:
                expected = ("0.0%" if name.endswith("(relative)") else DIFFERENCES[unit] if " - base" in name
                            else FORMATS[unit])
                assert cell.number_format == expected, name
                checked += 1
        if row[0].value != "horizon":
            assert row[0].number_format == "0"
    assert checked > 0
    assert sheet["A1"].value.startswith("Base: design0. Alternatives: design1, design2.")


def test_a_single_run_summary_page_says_pass_or_fail_and_has_no_bands(tmp_path):
    found = study(2, monte_carlo=False)
    found.band_kind = "No bands: one deterministic run of each design."
    found.compliance = [
        {"replication_set": "single", "scenario_id": key.scenario_id, "plan_design_id": key.plan_design_id,
         "simulation_year": 2025, "test_name": "adp", "rule_section": "IRC §401(k)(3)", "outcome": outcome,
         "result_reason": None, "replications": 1, "failed": int(outcome == "fail"),
         "fail_probability": float(outcome == "fail"), "fail_probability_low": None, "fail_probability_high": None,
         "median_margin": -0.01 if outcome == "fail" else 0.02, "refund_mean": 100 if outcome == "fail" else 0,
         "qnec_cost_mean": 250 if outcome == "fail" else 0, "ndt_correction": "report"}
        for key, outcome in zip(found.keys, ("pass", "fail", "pass"), strict=True)]
    page = summary.write_page(found, tmp_path / "summary.html").read_text()
    assert "No bands: one deterministic run of each design." in page and "Monte Carlo" not in page
    cells = re.findall(r'data-column="design:(design\d)" data-outcome="(\w+)"[^>]*>(\w+)', page)
    assert cells == [("design0", "pass", "pass"), ("design1", "fail", "fail"), ("design2", "pass", "pass")]
    assert 'data-column="qnec:design1">$250</td>' in page and 'data-column="refund:design1">$100</td>' in page
    bands = re.findall(r'data-column="band:design\d">([^<]*)</td>', page)
    assert bands and set(bands) == {""}, "a single run has no band"


def test_short_tables_are_never_cut_by_a_scroll_box_and_print_whole(tmp_path):
    """The defect: the winners and losers table sat in a 560px scroll box that hid its last rows (tenure 10-19
    and 20+) with no cue, and printing cut every scrolled table; the by-year header 'year' broke into 'ye/ar'."""
    found = study(2)
    found.winners = [(["dimension", "band_label", "replications", "people", "winners", "losers", "unchanged",
                       "mean_change"], [("tenure_band", f"band {n}", 20, 10.0, 5.0, 3.0, 2.0, 12.5)
                                        for n in range(30)]) for _ in found.alts]
    page = summary.write_page(found, tmp_path / "summary.html").read_text()
    winners = page[page.index('id="winners"'):]
    assert '<table class="data winners">' in winners
    assert all(not block.rstrip().endswith('class="scroll">')
               for block in winners.split('<table class="data winners">')[:-1]), "no scroll box around the table"
    assert re.search(r"@media print \{ \.scroll \{ max-height: none; overflow: visible; \} \}", page)
    assert re.search(r'table\.by-year th\[data-column="year"\][^{]*\{ white-space: nowrap;', page)
