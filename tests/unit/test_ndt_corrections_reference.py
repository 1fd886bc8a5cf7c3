"""The plain-Python corrections of a failed ADP test (tests/ndt_reference.py): the hand-worked cases, and properties
over random plans (Hypothesis): after the leveling the HCE average meets the limit, the dollars shared out equal the
excess, the leveled ratios are the single cut level the models compute in closed form, and the QNEC rate is the
smallest that passes. The models are checked against this code in tests/integration/test_nondiscrimination.py."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from ndt_reference import (
    BP,
    average,
    excess_total,
    first_leveling,
    limit_of,
    passes,
    qnec_amount,
    qnec_rate_units,
    ratio,
    second_leveling,
    target_of,
)

D = Decimal


def correct(hce: dict[str, tuple[Decimal, Decimal]], nhce: dict[str, tuple[Decimal, Decimal]]):
    """(limit, HCE ratios, leveled ratios, total excess, dollar shares, QNEC units) of a plan given as
    employee -> (deferrals, pay)."""
    hce_ratios = {key: ratio(amount, pay) for key, (amount, pay) in hce.items()}
    nhce_average = average([ratio(amount, pay) for amount, pay in nhce.values()])
    limit = limit_of(nhce_average)
    leveled = first_leveling(hce_ratios, target_of(limit))
    total = excess_total(hce_ratios, {k: v[0] for k, v in hce.items()}, {k: v[1] for k, v in hce.items()}, leveled)
    shares = second_leveling({k: v[0] for k, v in hce.items()}, total)
    units = qnec_rate_units(average(list(hce_ratios.values())), nhce)
    return limit, hce_ratios, leveled, total, shares, units


def test_one_hce_three_nhces_by_hand():
    """The issue's case: HCE 6.89%, NHCE average 0.93% -> limit 1.86%, excess 10,060.00, QNEC 3.96% = 5,940.00."""
    hce = {"H": (D("13780.00"), D("200000"))}
    nhce = {"N1": (D("0"), D("50000")), "N2": (D("400.00"), D("40000")), "N3": (D("1074.00"), D("60000"))}
    limit, ratios, leveled, total, shares, units = correct(hce, nhce)
    assert ratios == {"H": D("0.0689")} and limit == D("0.0186")
    assert leveled == {"H": Fraction(186, 10000)} and total == D("10060.00") and shares == {"H": 10060}
    assert units == 396 and sum(qnec_amount(units, pay) for _, pay in nhce.values()) == D("5940.00")


def test_two_hces_only_the_top_one_is_cut():
    hce = {"A": (D("20000"), D("200000")), "B": (D("6000"), D("150000"))}
    nhce = {"N": (D("3000"), D("100000"))}
    limit, _, leveled, total, shares, units = correct(hce, nhce)
    assert limit == D("0.05") and leveled == {"A": Fraction(6, 100), "B": Fraction(4, 100)}
    assert total == D("8000.00") and shares == {"A": 8000, "B": 0} and units == 200


def test_the_dollar_leveling_can_cut_an_hce_the_ratio_leveling_did_not():
    """The excess is found on ratios but shared out on dollars: a lower-ratio HCE with more dollars pays first."""
    hce = {"A": (D("10000"), D("100000")), "B": (D("16000"), D("400000"))}  # 10% and 4%
    nhce = {"N": (D("3000"), D("100000"))}
    _, _, leveled, total, shares, _ = correct(hce, nhce)
    assert leveled["B"] == Fraction(4, 100) and leveled["A"] == Fraction(6, 100)  # only A's ratio is cut
    assert total == D("4000.00") and shares == {"A": 0, "B": 4000}  # but B, with the most dollars, pays it


pay = st.integers(min_value=20_000, max_value=400_000).map(D)
rate = st.integers(min_value=0, max_value=2000).map(lambda units: units * BP)  # 0% to 20%
person = st.tuples(rate, pay).map(lambda rp: ((rp[0] * rp[1]).quantize(D("0.01")), rp[1]))


@settings(max_examples=150, deadline=None)
@given(st.lists(person, min_size=1, max_size=8), st.lists(person, min_size=1, max_size=10))
def test_corrections_make_the_test_pass_and_refund_the_excess(hce_people, nhce_people):
    hce = {f"H{i}": p for i, p in enumerate(hce_people)}
    nhce = {f"N{i}": p for i, p in enumerate(nhce_people)}
    limit, ratios, leveled, total, shares, units = correct(hce, nhce)
    hce_average = average(list(ratios.values()))
    if hce_average <= limit:
        assert total == 0 and units == 0
        return
    target = target_of(limit)
    # after the leveling the HCE average is exactly the highest average that passes, and each ratio went down
    assert sum(leveled.values()) == target * len(leveled) and target <= limit
    assert all(leveled[k] <= ratios[k] for k in ratios)
    # one level cuts every ratio above it: the closed form the model uses
    level = max(leveled[k] for k in ratios if leveled[k] < ratios[k])
    assert all(leveled[k] == min(Fraction(ratios[k]), level) for k in ratios)
    # the dollars shared out are the excess, and no HCE gives more than they put in
    assert sum(shares.values()) == Fraction(total)
    assert all(0 <= shares[k] <= hce[k][0] for k in hce)
    # what is left to each cut HCE is one dollar level, at least what any uncut HCE has
    left = {k: Fraction(hce[k][0]) - shares[k] for k in hce if shares[k] > 0}
    if left:
        assert len(set(left.values())) == 1
        assert all(hce[k][0] <= next(iter(left.values())) for k in hce if shares[k] == 0)
    # the QNEC rate passes the test and one hundredth of a percent less does not
    with_qnec = [ratio(amount + qnec_amount(units, p), p) for amount, p in nhce.values()]
    assert passes(hce_average, with_qnec)
    without = [ratio(amount + qnec_amount(units - 1, p), p) for amount, p in nhce.values()]
    assert not passes(hce_average, without)
