"""The design setting ndt_correction: report by default (every shipped design, so their numbers stay), refund or
qnec; anything else, and a QNEC under prior-year testing (which it cannot correct), refused in one line."""

from __future__ import annotations

import pytest

from planalign.engine.plan_designs import load_plan_design, plan_design_ids, resolve_plan_design
from planalign.errors import PlanAlignError


def test_every_shipped_design_reports_only():
    assert {load_plan_design(design_id).ndt_correction for design_id in plan_design_ids()} == {"report"}


@pytest.mark.parametrize("setting", ["report", "refund", "qnec"])
def test_the_settings_are_accepted(setting):
    assert resolve_plan_design({"extends": "baseline", "id": "x", "ndt_correction": setting}).ndt_correction == setting


@pytest.mark.parametrize("spec, words", [
    ({"ndt_correction": "refnd"}, "ndt_correction = 'refnd': Input should be 'report', 'refund' or 'qnec'"),
    ({"ndt_correction": "qnec", "ndt_testing_method": "prior_year"},
     "ndt_correction qnec needs ndt_testing_method current_year"),
])
def test_a_bad_setting_is_refused_in_one_line(spec, words):
    with pytest.raises(PlanAlignError) as caught:
        resolve_plan_design({"extends": "baseline", "id": "x", **spec})
    assert words in caught.value.message and "\n" not in caught.value.message


def test_refund_under_prior_year_testing_is_accepted():
    spec = {"extends": "baseline", "id": "x", "ndt_correction": "refund", "ndt_testing_method": "prior_year"}
    assert resolve_plan_design(spec).ndt_correction == "refund"
