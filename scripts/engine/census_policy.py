"""The census validation policy a scenario may tune: the severity of each row check, the bounds of
plausible values and the file's text encoding. Defaults live once, in dbt_project.yml (vars
census_checks, census_checks_fixed, census_bounds; engine/defaults.py), so a plain `dbt build` and the CLI agree."""

from __future__ import annotations

import codecs
import zoneinfo
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from planalign.engine.defaults import project_vars

SEVERITIES = ("reject", "warn")


def default_checks() -> dict[str, str]:
    return dict(project_vars()["census_checks"])


def fixed_checks() -> list[str]:
    """Checks that stay 'reject': a row failing them cannot be simulated at all."""
    return list(project_vars()["census_checks_fixed"])


def _bound(name: str) -> Any:
    return project_vars()["census_bounds"][name]


class CensusBounds(BaseModel):
    """Plausible census values; a value outside is a failed check (its severity says what happens)."""

    model_config = ConfigDict(extra="forbid", validate_default=True)

    min_annual_compensation: float = Field(_bound("min_annual_compensation"), ge=0, le=1_000_000)
    max_annual_compensation: float = Field(_bound("max_annual_compensation"), gt=0, le=1_000_000_000)
    max_hours_per_week: float = Field(_bound("max_hours_per_week"), gt=0, le=168)
    min_age_at_hire: float = Field(_bound("min_age_at_hire"), ge=0, le=30)
    max_age_at_hire: float = Field(_bound("max_age_at_hire"), ge=30, le=120)
    max_age: float = Field(_bound("max_age"), ge=50, le=130)

    @model_validator(mode="after")
    def _ordered(self) -> CensusBounds:
        if self.min_annual_compensation >= self.max_annual_compensation:
            raise ValueError(f"min_annual_compensation {self.min_annual_compensation:g} must be below "
                             f"max_annual_compensation {self.max_annual_compensation:g}")
        if self.min_age_at_hire >= self.max_age_at_hire:
            raise ValueError(f"min_age_at_hire {self.min_age_at_hire:g} must be below "
                             f"max_age_at_hire {self.max_age_at_hire:g}")
        return self


def check_severities(value: Any) -> dict[str, str]:
    """census_checks: {check: reject|warn}; unknown checks, other severities and a fixed check set to
    'warn' are refused."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("must be a mapping of check: reject|warn, e.g. {implausible_age_at_hire: warn}")
    known, fixed = default_checks(), fixed_checks()
    for name, severity in value.items():
        if name not in known:
            raise ValueError(f"unknown check {name!r}; the checks are: {', '.join(known)}")
        if severity not in SEVERITIES:
            raise ValueError(f"{name}: severity {severity!r} must be 'reject' or 'warn'")
        if severity == "warn" and name in fixed:
            can_warn = [check for check in known if check not in fixed]
            raise ValueError(f"{name} cannot be 'warn': such a row cannot be simulated "
                             f"(checks that can be 'warn': {', '.join(can_warn)})")
    return dict(value)


def check_encoding(value: str) -> str:
    try:
        codecs.lookup(value)
    except (LookupError, TypeError):
        raise ValueError(f"unknown text encoding {value!r}; e.g. utf-8, cp1252 (Windows), latin-1") from None
    return value


def check_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"unknown time zone {value!r}; e.g. UTC, America/New_York, Europe/Berlin") from None
    return value


def is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in {"utf-8", "utf-8-sig"}


def effective_checks(overrides: dict[str, str]) -> dict[str, str]:
    return {**default_checks(), **overrides}
