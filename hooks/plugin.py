"""planalign.hooks.plugin (dbt-duckdb): run safety for every dbt invocation (lock, backup, run log, checkpoints).

`configure_connection` registers SQL functions that the `on-run-start` / `on-run-end` hooks
(macros/hooks/planalign_run_start.sql, planalign_run_end.sql) call:

- planalign_preflight(payload_json) -> varchar: refuses to start while another live process holds
  the database's lock file, takes the lock and writes the start line of logs/run_<run_id>.jsonl.
  Raising here fails the hook before anything is written, and with
  `skip_nodes_if_on_run_start_fails` nothing else runs; planalign_admitted(run_id) then stays false,
  so the on-run-end hook writes nothing either.
- planalign_backup(payload_json) -> varchar: the preflight backup after the hook's CHECKPOINT (once per
  run id, never for `dbt test`).
- planalign_run_finished(payload_json) -> varchar: the end line of the run log, and the lock
  released when this dbt invocation took it (not the CLI's own lock).
- planalign_checkpoint(payload_json) -> varchar: writes <scenario>/<plan>/year_<Y>.partial in the
  checkpoint folder beside the database, renamed to .done only when every node passed.
- planalign_ssn_hash(ssn) -> varchar: sha256 of salt|ssn, the salt from PLANALIGN_SSN_SALT or a random
  one kept beside the database, so that it never appears in compiled SQL or in a log.

Everything written here is readable by its owner only: it holds pay and birth dates.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from planalign import settings
from planalign.store import runsafety


def _preflight(payload: str) -> str:
    return runsafety.preflight(json.loads(payload))


def _backup(payload: str) -> str:
    return runsafety.preflight_backup(json.loads(payload))


def _admitted(run_id: str) -> bool:
    return runsafety.admitted(run_id)


def _run_finished(payload: str) -> str:
    return runsafety.run_finished(json.loads(payload))


def _checkpoint(payload: str) -> str:
    return runsafety.write_checkpoint(json.loads(payload))


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        os.umask(0o077)

    def configure_connection(self, conn: Any) -> None:
        for name, function in (("planalign_preflight", _preflight),
                               ("planalign_backup", _backup),
                               ("planalign_run_finished", _run_finished),
                               ("planalign_checkpoint", _checkpoint)):
            conn.create_function(name, function, ["VARCHAR"], "VARCHAR", side_effects=True)
        conn.create_function("planalign_admitted", _admitted, ["VARCHAR"], "BOOLEAN", side_effects=True)
        database = Path(getattr(self.creds, "path", None) or settings.get("PLANALIGN_DB"))
        salt = runsafety.ssn_salt(database.resolve())
        conn.create_function("planalign_ssn_hash", lambda ssn: runsafety.ssn_hash(salt, ssn),
                             ["VARCHAR"], "VARCHAR")
