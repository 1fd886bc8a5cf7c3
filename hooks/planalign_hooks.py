"""dbt-duckdb plugin: run safety for every dbt invocation (lock, backup, run log, checkpoints).

`configure_connection` registers SQL functions that the `on-run-start` / `on-run-end` hooks
(macros/ops/planalign_run_start.sql, planalign_run_end.sql) call:

- planalign_preflight(payload_json) -> varchar: refuses to start while another live process holds
  the database's lock file, takes the lock, makes the preflight backup (once per run id, never for
  `dbt test`), and writes the start line of logs/run_<run_id>.jsonl. Raising here fails the hook, and
  with `skip_nodes_if_on_run_start_fails` nothing else runs.
- planalign_run_finished(payload_json) -> varchar: the end line of the run log, and the lock
  released when this dbt process took it.
- planalign_checkpoint(payload_json) -> varchar: writes <scenario>/<plan>/year_<Y>.partial in the
  checkpoint folder beside the database, renamed to .done only when every node passed.

Everything written here is readable by its owner only: it holds pay and birth dates.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import runsafety  # noqa: E402  (the repository root is on sys.path from here on)


def _preflight(payload: str) -> str:
    return runsafety.preflight(json.loads(payload))


def _run_finished(payload: str) -> str:
    return runsafety.run_finished(json.loads(payload))


def _checkpoint(payload: str) -> str:
    return runsafety.write_checkpoint(json.loads(payload))


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        os.umask(0o077)

    def configure_connection(self, conn: Any) -> None:
        for name, function in (("planalign_preflight", _preflight),
                               ("planalign_run_finished", _run_finished),
                               ("planalign_checkpoint", _checkpoint)):
            conn.create_function(name, function, ["VARCHAR"], "VARCHAR", side_effects=True)
