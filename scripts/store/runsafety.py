"""Run safety shared by the CLI and the dbt hooks plugin: lock file, backups, run log lines, checkpoints.

Layout beside the database file db/<name>.duckdb (two databases never share any of it):
    db/<name>.duckdb.lock                      the run holding the database (JSON: run_id, pid)
    db/backups/<name>/<name>_<utc>_<run_id>.duckdb, LATEST
    db/checkpoints/<name>/<scenario>/<plan>/<single|mc>/year_<Y>.done (or .partial), config_<hash>.json
    db/checkpoints/<name>/seeds_loaded.json    the seed contents the database holds
and logs/run_<run_id>.jsonl in the repository. Files are created readable by their owner only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psutil

from planalign import settings
from planalign.keys import Replications, RunKey
from planalign.paths import LOG_DIR, PROJECT_ROOT
from planalign.store import failures

SECRET_NAME = re.compile(r"(SALT|SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|CREDENTIAL)", re.IGNORECASE)
URL_CREDENTIALS = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/\s@]+:)[^@\s]+@", re.IGNORECASE)
DEFAULT_KEEP = int(settings.SETTINGS["PLANALIGN_BACKUP_KEEP"].default)


class RunSafetyError(Exception):
    """An expected refusal (lock held, backup impossible): one line for the user."""


def refuse_if_locked(database: Path, doing: str) -> None:
    """Raise RunSafetyError when a live run holds the database (a dead one's lock is cleared)."""
    holder = lock_holder(database)
    if holder:
        raise RunSafetyError(f"the database {database} is in use by run {holder.get('run_id')} "
                             f"(PID {holder.get('pid')}); {doing}")


# ---- masking and logs -------------------------------------------------------------------------

def mask(text: str) -> str:
    """Hide secret environment values and credentials in URLs from a log line."""
    for name, value in os.environ.items():
        if SECRET_NAME.search(name) and len(value) >= 4:
            text = text.replace(value, "***")
    return URL_CREDENTIALS.sub(r"\1***@", text)


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def log_line(run_id: str, record: dict[str, Any]) -> Path:
    """Append one JSON line to logs/run_<run_id>.jsonl (owner-only), secrets masked."""
    LOG_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = LOG_DIR / f"run_{run_id}.jsonl"
    line = mask(json.dumps({"at": now_utc(), "run_id": run_id, **record}, sort_keys=True, default=str))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as handle:
        handle.write(line + "\n")
    return path


def git_sha() -> str:
    configured = settings.get("PLANALIGN_GIT_SHA", fallback=None)
    if configured:
        return configured
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 else "unknown"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return "missing"
    return digest.hexdigest()


def config_hash(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


# ---- personal data -------------------------------------------------------------------------------

def ssn_salt(database: Path) -> str:
    """PLANALIGN_SSN_SALT, or else a random salt kept (owner-only) beside the database, made on first use."""
    configured = settings.get("PLANALIGN_SSN_SALT")
    if configured:
        return configured
    path = database.parent / ".planalign_ssn_salt"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip()


def ssn_hash(salt: str, ssn: str) -> str:
    return hashlib.sha256(f"{salt}|{ssn}".encode()).hexdigest()


# ---- lock ---------------------------------------------------------------------------------------

def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def _pid_alive(pid: int) -> bool:
    """Whether a process runs under this PID, on every platform and without /proc (psutil); a zombie
    (killed, not yet reaped) is not alive. os.kill(pid, 0) is no test on Windows: it ends the process."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:  # e.g. access denied: someone's process is there
        return True


def lock_holder(database: Path) -> dict[str, Any] | None:
    """The live holder of the database's lock, or None (a stale lock of a dead process is removed)."""
    path = lock_path(database)
    try:
        holder = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        holder = {"pid": -1}
    if isinstance(holder.get("pid"), int) and holder["pid"] > 0 and _pid_alive(holder["pid"]):
        return holder
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    return None


def acquire_lock(database: Path, run_id: str, pid: int | None = None) -> bool:
    """Take the lock for run_id; False if run_id already holds it. Refuses a live holder."""
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            holder = lock_holder(database)
            if holder is None:
                continue  # stale: removed, try again
            if holder.get("run_id") == run_id:
                return False
            raise RunSafetyError(
                f"the database {database} is in use by run {holder.get('run_id')} (PID {holder.get('pid')})"
            ) from None
        with os.fdopen(fd, "w") as handle:
            json.dump({"run_id": run_id, "pid": pid or os.getpid(), "started": now_utc()}, handle)
        return True
    raise RunSafetyError(f"could not take the lock {path}")


def release_lock(database: Path, run_id: str) -> None:
    path = lock_path(database)
    try:
        if json.loads(path.read_text()).get("run_id") == run_id:
            path.unlink()
    except (OSError, ValueError):
        pass


# ---- backups ------------------------------------------------------------------------------------

def backup_folder(database: Path) -> Path:
    return database.parent / "backups" / database.stem


def list_backups(database: Path) -> list[Path]:
    return sorted(backup_folder(database).glob(f"{database.stem}_*.duckdb"))


def make_backup(database: Path, run_id: str, keep: int = DEFAULT_KEEP) -> Path | None:
    """Copy the (checkpointed) database to a timestamped backup via a temp file and an atomic rename.

    Once per run id; None when there is nothing to back up yet. Keeps the newest `keep`."""
    folder = backup_folder(database)
    existing = [p for p in list_backups(database) if p.stem.endswith(f"_{run_id}")]
    if existing:
        return existing[-1]
    if not database.exists() or database.stat().st_size == 0:
        return None
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{database.stem}_{stamp}_{run_id}.duckdb"
    temporary = target.with_name(target.name + ".tmp")
    for attempt in range(3):
        try:
            copy_private(database, temporary)
            os.replace(temporary, target)
            break
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            failure = failures.classify_os_error(exc)
            if failure.transient and attempt < 2:  # an interrupted copy: try again at once
                continue
            if failure.reason == "disk_full":
                raise RunSafetyError(f"the disk is full: no room for the backup of {database}") from None
            raise RunSafetyError(f"cannot back up {database}: {exc.strerror}") from None
    latest = folder / "LATEST"
    latest_tmp = folder / "LATEST.tmp"
    latest_tmp.write_text(target.name + "\n")
    os.replace(latest_tmp, latest)
    for old in list_backups(database)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return target


def copy_private(source: Path, target: Path) -> None:
    """Copy a file to target (owner-only), flushed to disk."""
    shutil.copyfile(source, target)
    os.chmod(target, 0o600)
    with target.open("rb") as handle:
        os.fsync(handle.fileno())


def latest_backup(database: Path) -> Path | None:
    try:
        name = (backup_folder(database) / "LATEST").read_text().strip()
    except OSError:
        return None
    path = backup_folder(database) / name
    return path if path.exists() else None


# ---- checkpoints --------------------------------------------------------------------------------

def checkpoint_folder(database: Path, key: RunKey) -> Path:
    """Beside the database, one folder per (scenario, design, replication set): two databases, and the single
    run and a Monte Carlo set of the same scenario, never share checkpoints."""
    return database.parent / "checkpoints" / database.stem / key.scenario_id / key.plan_design_id / \
        key.replications.track


def seeds_record(database: Path) -> Path:
    """Which seed contents the database holds (sha256 by seed name), written after they were loaded."""
    return database.parent / "checkpoints" / database.stem / "seeds_loaded.json"


def read_checkpoint(database: Path, key: RunKey, year: int) -> dict[str, Any] | None:
    path = checkpoint_folder(database, key) / f"year_{year}.done"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def clear_checkpoints(database: Path, key: RunKey, from_year: int | None = None) -> None:
    folder = checkpoint_folder(database, key)
    for path in folder.glob("year_*"):
        year = int(path.name.split("_")[1].split(".")[0])
        if from_year is None or year >= from_year:
            path.unlink(missing_ok=True)


# ---- hook entry points (called inside dbt through the plugin) ------------------------------------

_ADMITTED: set[str] = set()
_TOOK_LOCK: set[str] = set()  # run ids whose lock this dbt invocation took (a direct dbt run, not the CLI)


def preflight(payload: dict[str, Any]) -> str:
    """Admit this dbt invocation: refuse while another live run holds the database."""
    database = Path(payload["database"]).resolve()
    run_id = payload["run_id"]
    took = acquire_lock(database, run_id)
    _ADMITTED.add(run_id)
    if took:
        _TOOK_LOCK.add(run_id)
    log_line(run_id, {"event": "dbt_start", "took_lock": took, "git_sha": git_sha(),
                      **{k: v for k, v in payload.items() if k != "database"}})
    return "ok"


def new_invocation() -> None:
    """A dbt invocation starts unadmitted and holding no lock, as a dbt process did (dbt now runs inside
    the CLI's process)."""
    _ADMITTED.clear()
    _TOOK_LOCK.clear()


def admitted(run_id: str) -> bool:
    return run_id in _ADMITTED


def preflight_backup(payload: dict[str, Any]) -> str:
    """The backup, after the hook's CHECKPOINT: once per run id, never for `dbt test`."""
    database = Path(payload["database"]).resolve()
    if payload.get("command") == "test" or not payload.get("has_data") or settings.get("PLANALIGN_BACKUP") == "off":
        return "skipped"
    started = dt.datetime.now(dt.timezone.utc)
    backup = make_backup(database, payload["run_id"], int(settings.get("PLANALIGN_BACKUP_KEEP")))
    log_line(payload["run_id"], {
        "event": "backup", "path": str(backup) if backup else None,
        "bytes": backup.stat().st_size if backup else 0,
        "seconds": round((dt.datetime.now(dt.timezone.utc) - started).total_seconds(), 3)})
    return str(backup)


def run_finished(payload: dict[str, Any]) -> str:
    database = Path(payload["database"]).resolve()
    run_id = payload["run_id"]
    log_line(run_id, {"event": "dbt_end", **{k: v for k, v in payload.items() if k != "database"}})
    if run_id in _TOOK_LOCK:  # a direct dbt invocation took its own lock; the CLI releases its own
        _TOOK_LOCK.discard(run_id)
        release_lock(database, run_id)
    return "ok"


def write_checkpoint(payload: dict[str, Any]) -> str:
    database = Path(payload["database"]).resolve()
    folder = checkpoint_folder(database, RunKey(payload["scenario_id"], payload["plan_design_id"],
                                                Replications.of_ids(payload.get("replications") or [0])))
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    year = int(payload["simulation_year"])
    partial, done = folder / f"year_{year}.partial", folder / f"year_{year}.done"
    record = {k: v for k, v in payload.items() if k not in ("database", "all_passed")}
    record["written_at"] = now_utc()
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(record, handle, sort_keys=True, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    if payload.get("all_passed"):
        os.replace(partial, done)
        return "done"
    done.unlink(missing_ok=True)
    return "partial"
