"""arrow_digest (tests/digests.py), the engine-independent digest of the Spark parity test, is not blind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa

from digests import arrow_digest


def _rows(**changes) -> pa.Table:
    columns = {"employee_id": ["a", "b"], "amount": [Decimal("1.25"), Decimal("2.50")], "rate": [0.1, 0.2],
               "effective_date": [dt.date(2025, 1, 1), None], "created_at": [1, 2]}
    return pa.table({**columns, **changes})


def test_row_order_column_order_and_run_stamps_do_not_matter():
    reordered = pa.table({"created_at": [9, 8], "rate": [0.2, 0.1], "effective_date": [None, dt.date(2025, 1, 1)],
                          "amount": [Decimal("2.50"), Decimal("1.25")], "employee_id": ["b", "a"]})
    assert arrow_digest(_rows()) == arrow_digest(reordered)


def test_one_cent_one_draw_one_date_one_null_or_one_row_changes_it():
    base = arrow_digest(_rows())
    assert base != arrow_digest(_rows(amount=[Decimal("1.26"), Decimal("2.50")]))
    assert base != arrow_digest(_rows(rate=[0.1, 0.2000000000000001]))
    assert base != arrow_digest(_rows(effective_date=[dt.date(2025, 1, 2), None]))
    assert base != arrow_digest(_rows(effective_date=[dt.date(2025, 1, 1), dt.date(2025, 1, 1)]))
    assert base != arrow_digest(_rows().slice(0, 1))


def test_a_left_out_column_is_not_compared_and_the_others_still_are():
    base = arrow_digest(_rows(), leave_out=("rate",))
    assert base == arrow_digest(_rows(rate=[0.1000000001, 0.2]), leave_out=("rate",))
    assert base != arrow_digest(_rows(rate=[0.1000000001, 0.2]))
    assert base != arrow_digest(_rows(amount=[Decimal("1.26"), Decimal("2.50")]), leave_out=("rate",))
