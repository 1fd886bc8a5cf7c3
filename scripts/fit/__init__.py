"""Fitting the engine's assumptions from a sponsor's yearly census history (`planalign fit`).

history.py reads the snapshots and builds the person-years between consecutive ones (DuckDB SQL);
estimate.py turns them into estimates in the engine's own form, each with its exposure, events and a 90%
interval; output.py checks the tables and writes them (assumption CSVs, the scenario file, the report).
The core never prints: it returns a FitResult, and the CLI turns it into lines.
"""

from __future__ import annotations

from planalign.fit.run import FitResult, fit_history

__all__ = ["FitResult", "fit_history"]
