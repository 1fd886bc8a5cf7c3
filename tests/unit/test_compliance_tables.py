"""The report's Compliance section: a single run's tests split into an ADP/ACP table, a coverage table and a
top-heavy table (when the run has the test), every row kept once; a Monte Carlo set's failures stay one table;
headers are labels, figures right-aligned. The corrections table: money with separators, the QNEC rate as a
percentage, no table when nothing failed."""

from __future__ import annotations

from decimal import Decimal

from planalign.reports.html import compliance_tables, corrections_table

SINGLE = ["simulation_year", "test_name", "result", "hce_count", "nhce_count", "hce_average", "nhce_average",
          "test_limit", "margin", "nhce_average_needed", "hce_benefiting", "nhce_benefiting", "ratio_percentage",
          "reason", "rule"]


def _row(year: int, test: str) -> tuple:
    coverage = test.startswith("coverage")
    return (year, test, "pass", None if coverage else 3, None if coverage else 40,
            None if coverage else "4.98%", None if coverage else "4.05%", None if coverage else "6.05%",
            None if coverage else "1.07%", None if coverage else "2.98%", "3 of 3" if coverage else "0 of 0",
            "40 of 40" if coverage else "0 of 0", "100.00%" if coverage else None, "", f"rule of {test}")


def test_a_single_run_is_split_into_adp_acp_and_coverage():
    tests = ["acp", "adp", "coverage_core", "coverage_deferral", "coverage_match"]
    rows = [_row(year, test) for year in (2025, 2026) for test in tests]
    adp_acp, coverage = compliance_tables(SINGLE, rows, monte_carlo=False)
    assert [row[1] for row in adp_acp["rows"]] == ["acp", "adp"] * 2
    assert [row[1] for row in coverage["rows"]] == ["coverage_core", "coverage_deferral", "coverage_match"] * 2
    assert "hce_benefiting" not in adp_acp["columns"] and "hce_average" not in coverage["columns"]
    assert adp_acp["columns"][-1] == coverage["columns"][-1] == "rule"
    assert adp_acp["rows"][1][-1] == "rule of adp" and coverage["rows"][0][-1] == "rule of coverage_core"
    assert adp_acp["labels"][:5] == ["year", "test", "result", "HCEs", "NHCEs"]
    assert dict(zip(adp_acp["columns"], adp_acp["numeric"], strict=True)) == {
        "simulation_year": True, "test_name": False, "result": False, "hce_count": True, "nhce_count": True,
        "hce_average": True, "nhce_average": True, "test_limit": True, "margin": True, "nhce_average_needed": True,
        "reason": False, "rule": False}


def test_a_monte_carlo_set_is_one_table_and_no_rows_no_table():
    columns = ["simulation_year", "test_name", "replications", "failed", "fail_share", "results", "median_margin",
               "rule"]
    rows = [(2025, "adp", 20, 3, "15.0%", "fail, pass", "0.40%", "IRC §401(k)(3)")]
    (only,) = compliance_tables(columns, rows, monte_carlo=True)
    assert only["columns"] == columns and only["rows"] == [["2025", "adp", "20", "3", "15.0%", "fail, pass",
                                                           "0.40%", "IRC §401(k)(3)"]]
    assert only["labels"][2:5] == ["replications", "failed", "failed share"]
    assert compliance_tables(columns, [], monte_carlo=True) == []
    assert compliance_tables(SINGLE, [], monte_carlo=False) == []


def test_the_corrections_table_reads_as_money_and_rates():
    columns = ["simulation_year", "test_name", "excess_total", "hces_refunded", "recharacterized_total",
               "refund_total", "forfeited_total", "qnec_rate", "qnec_nhces", "qnec_cost", "correction_applied",
               "applied_employer_cost"]
    row = (2025, "adp", Decimal("519007.11"), 26, Decimal("31872.69"), Decimal("487134.42"), Decimal("0.00"),
           Decimal("0.0796"), 324, Decimal("1562077.07"), "qnec", Decimal("1562077.07"))
    part = corrections_table(columns, [row])
    assert part["rows"] == [["2025", "adp", "519,007.11", "26", "31,872.69", "487,134.42", "0.00", "7.96%", "324",
                             "1,562,077.07", "qnec", "1,562,077.07"]]
    assert part["labels"][2:4] == ["excess", "HCEs refunded"] and part["labels"][-1] == "employer cost"
    assert [name for name, numeric in zip(columns, part["numeric"], strict=True) if not numeric] == [
        "test_name", "correction_applied"]
    assert corrections_table(columns, []) is None


def test_the_top_heavy_test_has_its_own_table():
    columns = [*SINGLE, "determination_date", "key_balance_share", "top_heavy_threshold", "key_balance_amount",
               "total_balance_amount", "former_key_employees", "former_key_balance_amount",
               "minimum_contribution_rate", "minimum_contribution_employees", "minimum_contribution_amount"]
    blank = (None,) * 10
    rows = [(*_row(2025, "adp"), *blank),
            (2025, "top_heavy", "fail", *(None,) * 10, "key employees over 60%: minimum owed", "IRC §416(g)",
             "2024-12-31", "75.00%", "60.00%", "$36,000,000.00", "$48,001,970.00", "1", "$2,100,000.00",
             Decimal("0.0200"), "95", "$136,397.20")]
    adp_acp, top_heavy = compliance_tables(columns, rows, monte_carlo=False)
    assert [row[1] for row in adp_acp["rows"]] == ["adp"]
    assert top_heavy["title"].startswith("Top-heavy test")
    assert top_heavy["rows"] == [["2025", "fail", "75.00%", "$36,000,000.00", "$48,001,970.00", "1", "$2,100,000.00",
                                  "2.00%", "95", "$136,397.20", "key employees over 60%: minimum owed"]]
    assert top_heavy["labels"][2:7] == ["key share", "key balances", "all balances", "former keys left out",
                                        "their balances"]
