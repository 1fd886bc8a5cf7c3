"""The corrections of a failed ADP/ACP test recomputed in plain Python, the way the regulations describe them
step by step (Treas. Reg. §1.401(k)-2(b)(2), §1.401(m)-2(b)(2)), in exact fractions, never from the models' SQL:
- the first leveling lowers the highest HCE ratio to the greater of the level that makes the HCE average meet the
  limit and the next highest ratio, again and again;
- the second leveling takes the total excess from the highest HCE dollar amounts down, the same way;
- the QNEC rate is found by trying every rate in hundredths of a percent from 0 up (no closed form).
The models use closed forms (one level found from running sums); the tests compare the two."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction

BP = Decimal("0.0001")  # a hundredth of a percent
CENT = Decimal("0.01")


def half_up(value: Decimal | Fraction, step: Decimal = BP) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(step, rounding=ROUND_HALF_UP)


def limit_of(nhce_average: Decimal) -> Decimal:
    """The most the HCE average may be: the greater of 1.25 x NHCE, or the lesser of 2 x NHCE and NHCE + 2 points."""
    return max(Decimal("1.25") * nhce_average, min(2 * nhce_average, nhce_average + Decimal("0.02")))


def average(ratios: list[Decimal]) -> Decimal:
    return half_up(sum(ratios, Decimal(0)) / len(ratios))


def ratio(amount: Decimal, compensation: Decimal) -> Decimal:
    return half_up(amount / compensation)


def target_of(limit: Decimal) -> Fraction:
    """The highest HCE average that passes, in whole hundredths of a percent."""
    return Fraction((limit / BP).to_integral_value(rounding=ROUND_FLOOR)) * Fraction(BP)


def first_leveling(ratios: Mapping[str, Decimal], target: Fraction) -> dict[str, Fraction]:
    """Each HCE's ratio after the leveling: the highest ratios cut, one step at a time."""
    leveled = {key: Fraction(value) for key, value in ratios.items()}
    allowed = target * len(leveled)
    while sum(leveled.values()) > allowed:
        top = max(leveled.values())
        at_top = [key for key, value in leveled.items() if value == top]
        below = [value for value in leveled.values() if value < top]
        needed = (allowed - sum(below)) / len(at_top)
        for key in at_top:
            leveled[key] = max(needed, max(below, default=Fraction(0)))
    return leveled


def excess_total(ratios: Mapping[str, Decimal], amounts: Mapping[str, Decimal], compensation: Mapping[str, Decimal],
                 leveled: Mapping[str, Fraction]) -> Decimal:
    """The dollars above each cut HCE's leveled ratio, summed, to the cent."""
    total = sum((max(Fraction(amounts[key]) - leveled[key] * Fraction(compensation[key]), Fraction(0))
                 for key in ratios if leveled[key] < ratios[key]), Fraction(0))
    return half_up(total, CENT)


def second_leveling(amounts: Mapping[str, Decimal], total: Decimal) -> dict[str, Fraction]:
    """Each HCE's share of the total excess: the highest dollar amounts cut first, one step at a time."""
    left = {key: Fraction(value) for key, value in amounts.items()}
    remaining = Fraction(total)
    while remaining > 0:
        top = max(left.values())
        at_top = [key for key, value in left.items() if value == top]
        below = max((value for value in left.values() if value < top), default=Fraction(0))
        cut = min(top - below, remaining / len(at_top))
        for key in at_top:
            left[key] -= cut
        remaining -= cut * len(at_top)
    return {key: Fraction(amounts[key]) - left[key] for key in amounts}


def qnec_amount(rate_units: int, compensation: Decimal) -> Decimal:
    """rate x testing pay, rounded up to the cent."""
    return (rate_units * BP * compensation).quantize(CENT, rounding=ROUND_CEILING)


def passes(hce_average: Decimal, nhce_ratios: list[Decimal]) -> bool:
    return hce_average <= limit_of(average(nhce_ratios))


def qnec_rate_units(hce_average: Decimal, nhce: Mapping[str, tuple[Decimal, Decimal]]) -> int:
    """The smallest uniform QNEC rate, in hundredths of a percent, with which the test passes: every rate tried.
    nhce maps an NHCE to (amount the test counts, testing compensation)."""
    for units in range(0, 10001):
        ratios = [ratio(amount + qnec_amount(units, pay), pay) for amount, pay in nhce.values()]
        if passes(hce_average, ratios):
            return units
    raise AssertionError("no QNEC rate up to 100% passes")


# The top-heavy test (IRC §416), as the statute states it.
TOP_HEAVY_SHARE = Fraction(60, 100)  # §416(g)(1)(A)(ii): top-heavy when the key employees' share exceeds 60%
TOP_HEAVY_RATE = Decimal("0.03")  # §416(c)(2)(A): 3% of compensation


def is_top_heavy_share(key_balances: Decimal, all_balances: Decimal) -> bool:
    """The key employees' balances are more than 60% of all balances at the determination date (exactly 60% is not)."""
    return all_balances > 0 and Fraction(key_balances) / Fraction(all_balances) > TOP_HEAVY_SHARE


def former_key_employees(keys_by_year: Mapping[int, set[str]], determination_year: int) -> set[str]:
    """§416(g)(4)(B): key employees of any known plan year before the one holding the determination date who are not
    key in that year. keys_by_year holds the simulated years only: before the start year nothing is known."""
    earlier = set().union(*(keys for year, keys in keys_by_year.items() if year < determination_year))
    return earlier - keys_by_year.get(determination_year, set())


def top_heavy_balances(balances: Mapping[str, Decimal], keys: set[str],
                       former_keys: set[str]) -> tuple[Decimal, Decimal, Decimal]:
    """(key balances, all balances, former key employees' balances) at the determination date: a former key
    employee's whole account is left out of both the key balances and all balances, and summed apart."""
    counted = {person: value for person, value in balances.items() if person not in former_keys}
    return (sum((value for person, value in counted.items() if person in keys), Decimal(0)),
            sum(counted.values(), Decimal(0)),
            sum((value for person, value in balances.items() if person in former_keys), Decimal(0)))


def top_heavy_rate_units(highest_key_rate: Decimal) -> int:
    """The minimum rate in hundredths of a percent: 3%, or the highest key-employee rate when lower (§416(c)(2)(B))."""
    return int(min(TOP_HEAVY_RATE, highest_key_rate) / BP)


def top_heavy_minimum(rate_units: int, compensation: Decimal, employer_contributions: Decimal) -> Decimal:
    """What a non-key participant is owed: rate x compensation, to the cent (half up), less the employer money the
    plan already gave (the match counts, §416(c)(2)(A)); never negative."""
    required = half_up(rate_units * BP * compensation, CENT)
    return max(required - employer_contributions, Decimal(0))
