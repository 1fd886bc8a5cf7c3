"""The checkpoint digest has one definition (macros/hooks/year_checkpoint_digests.sql): the on-run-end hook
renders it for the checkpoint and the CLI for resume and status. No dbt here: the CLI's rendering runs on a
small rpt_year_digests table (tests/integration/test_checkpoint_digest.py runs the hook's)."""

from __future__ import annotations

import hashlib
import re

import duckdb

from conftest import ROOT
from planalign.keys import Replications, RunKey
from planalign.store import db


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_the_hook_and_the_cli_render_the_same_definition():
    hook = (ROOT / "macros" / "hooks" / "planalign_run_end.sql").read_text()
    assert "year_checkpoint_digests(" in hook
    assert not re.search(r"md5|string_agg|sum\(", hook), "the hook restates the digest formula"
    store = (ROOT / "scripts" / "store" / "db.py").read_text()
    assert "md5(" not in store, "scripts/store/db.py restates the digest formula"


def test_a_set_is_digested_only_when_every_replication_has_events_and_snapshot(tmp_path):
    database = tmp_path / "digests.duckdb"
    rows = [
        # scenario, design, replication, year, event_rows, events_digest, snapshot_rows, snapshot_digest
        ("s", "d", 1, 2025, 10, "e1", 5, "s1"),
        ("s", "d", 2, 2025, 20, "e2", 6, "s2"),
        ("s", "d", 3, 2025, 30, "e3", 7, "s3"),
        ("s", "d", 1, 2026, 11, "f1", 5, "t1"),
        ("s", "d", 2, 2026, 21, "f2", 0, None),  # no snapshot for replication 2
        ("s", "d", 3, 2026, 31, "f3", 7, "t3"),
        ("s", "d", 1, 2027, 12, "g1", 5, "u1"),  # replication 2 has no row at all
        ("s", "d", 3, 2027, 32, "g3", 7, "u3"),
        ("s", "d", 0, 2025, 40, "e0", 8, "s0"),
        ("s", "other", 1, 2025, 99, "x", 9, "y"),
    ]
    with duckdb.connect(str(database)) as con:
        con.execute("create table rpt_year_digests (scenario_id varchar, plan_design_id varchar, "
                    "replication_id integer, simulation_year integer, event_rows bigint, events_digest varchar, "
                    "snapshot_rows bigint, snapshot_digest varchar)")
        con.executemany("insert into rpt_year_digests values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    assert db.year_digests(database, RunKey("s", "d", Replications(3))) == {
        2025: (60, md5("1:e1|2:e2|3:e3"), 18, md5("1:s1|2:s2|3:s3"))}
    # a set of one: the other replications' gaps are not its own
    assert db.year_digests(database, RunKey("s", "d", Replications(1))) == {
        2025: (10, md5("1:e1"), 5, md5("1:s1")),
        2026: (11, md5("1:f1"), 5, md5("1:t1")),
        2027: (12, md5("1:g1"), 5, md5("1:u1"))}
    assert db.year_digests(database, RunKey("s", "d")) == {2025: (40, md5("0:e0"), 8, md5("0:s0"))}
