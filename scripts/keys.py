"""The one key of everything a run writes: (scenario, plan design, replication set).

Every row of the marts carries scenario_id, plan_design_id and replication_id. A run covers one replication
set: the single deterministic run (replication 0) or a Monte Carlo set of N (replications 1..N). The two sets
of a (scenario, design) live side by side: in the tables (by replication_id), in the checkpoints (one folder
each) and in the report models (column replication_set). This module is the only place that spells them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# the replication_set values of the rpt_ models (rpt_scenario_comparison, ...)
SINGLE = "single"
MONTE_CARLO = "monte_carlo"
# the checkpoint folder of each set: db/checkpoints/<database>/<scenario>/<design>/<single|mc>/
_TRACKS = {SINGLE: "single", MONTE_CARLO: "mc"}


@dataclass(frozen=True)
class Replications:
    """A replication set: count 0 is the single deterministic run, count N a Monte Carlo set 1..N."""

    count: int = 0

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(f"a replication count is 0 (the single run) or more, not {self.count}")

    @classmethod
    def of_ids(cls, ids: list[int]) -> Replications:
        """The set these replication ids belong to: [0] is the single run; any other ids (1..N, or some of
        them, as a build by hand may select) belong to the Monte Carlo set that reaches their highest id."""
        if list(ids) in ([], [0]):
            return cls(0)
        if min(ids) < 1:
            raise ValueError(f"replication ids {ids} mix the single run (0) with a Monte Carlo set")
        return cls(max(ids))

    @property
    def is_monte_carlo(self) -> bool:
        return self.count > 0

    @property
    def ids(self) -> list[int]:
        return list(range(1, self.count + 1)) if self.count else [0]

    @property
    def kind(self) -> str:
        """The set's name as the report models store it (column replication_set)."""
        return MONTE_CARLO if self.count else SINGLE

    @property
    def track(self) -> str:
        """The set's checkpoint folder name."""
        return _TRACKS[self.kind]

    @property
    def label(self) -> str:
        return f"{self.count} replications" if self.count else "single run"

    @property
    def file_suffix(self) -> str:
        """Appended to the names of report files of a Monte Carlo set, so the two sets never overwrite."""
        return f"_mc{self.count}" if self.count else ""


@dataclass(frozen=True)
class RunKey:
    """(scenario, plan design, replication set): what a run builds, a checkpoint proves, a report reads."""

    scenario_id: str
    plan_design_id: str
    replications: Replications = Replications()

    @property
    def pair(self) -> str:
        """scenario/design, as the user names a side in compare and batch."""
        return f"{self.scenario_id}/{self.plan_design_id}"

    @property
    def label(self) -> str:
        return self.pair + (f" x{self.replications.count}" if self.replications.count else "")

    @property
    def params(self) -> dict[str, Any]:
        """The named parameters of the CLI's SQL: $scenario, $plan, $replications (a list of ids)."""
        return {"scenario": self.scenario_id, "plan": self.plan_design_id, "replications": self.replications.ids}
