"""Synthetic yearly census histories with known rates, for the fit's tests (numpy-seeded: the same arguments give
the same files). The truth is in the engine's form: termination hazard base(level) x age multiplier x tenure
multiplier (probability 1 - exp(-hazard), as the engine's exponential clocks give); promotion probability
base(from, to) x age x tenure multipliers on Apr 1 for stayers with a year of service; raises merit(level) +
COLA(year); hires to a growth target, a share of them leaving within the year."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

AGE_EDGES = [0, 25, 35, 45, 55, 65, 200]
TENURE_EDGES = [0, 1, 3, 5, 10, 100]
BANDS = [(38000, 62000), (55000, 92000), (82000, 135000), (120000, 190000), (170000, 320000)]
HIRE_AGES = [22, 25, 28, 32, 37, 42, 48, 55]


@dataclass
class Truth:
    termination_base: list[float] = field(default_factory=lambda: [0.20, 0.14, 0.10, 0.08, 0.06])
    termination_age: list[float] = field(default_factory=lambda: [1.5, 1.2, 1.0, 0.8, 0.9, 1.6])
    termination_tenure: list[float] = field(default_factory=lambda: [1.6, 1.2, 1.0, 0.8, 0.6])
    # (from, to) -> base rate; 1 -> 3 is a skip
    promotions: dict = field(default_factory=lambda: {(1, 2): 0.10, (1, 3): 0.04, (2, 3): 0.08, (3, 4): 0.05,
                                                      (4, 5): 0.03})
    promotion_age: list[float] = field(default_factory=lambda: [1.3, 1.2, 1.0, 0.7, 0.4, 0.1])
    promotion_tenure: list[float] = field(default_factory=lambda: [0.0, 1.2, 1.1, 0.9, 0.6])
    merit: list[float] = field(default_factory=lambda: [0.035, 0.035, 0.030, 0.030, 0.025])
    cola: float = 0.02
    promotion_increase: float = 0.15
    growth: float = 0.03
    new_hire_termination: float = 0.25
    level_mix: list[float] = field(default_factory=lambda: [0.42, 0.30, 0.16, 0.08, 0.04])
    hire_mix: list[float] = field(default_factory=lambda: [0.50, 0.28, 0.14, 0.06, 0.02])
    hire_age_mix: list[float] = field(default_factory=lambda: [0.12, 0.20, 0.20, 0.18, 0.13, 0.08, 0.05, 0.04])
    band_increase: float = 0.0  # the hire bands move by this a year from the first snapshot's year


def _band(values: np.ndarray, edges: list[int]) -> np.ndarray:
    return np.searchsorted(np.array(edges[1:-1]), values, side="right")


def _days(a: np.ndarray, b: dt.date) -> np.ndarray:
    return (np.datetime64(b) - a).astype("timedelta64[D]").astype(int)


def write_history(folder: Path, n: int = 5000, snapshots: int = 4, first_year: int = 2021, seed: int = 1,
                  convention: str = "dated", truth: Truth | None = None, deferrals: bool = False,
                  levels_only: list[int] | None = None) -> list[Path]:
    """Write census_<year>.csv for `snapshots` consecutive years; return the paths in year order.
    convention 'dated': leavers of the year before stay in the file with their termination_date (hires who
    left too); 'absent': leavers are dropped."""
    truth = truth or Truth()
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    start = dt.date(first_year, 1, 1)
    mix = np.array(truth.level_mix) if not levels_only else np.array(
        [1.0 if i + 1 in levels_only else 0.0 for i in range(5)])
    level = rng.choice(5, size=n, p=mix / mix.sum()) + 1
    age = np.clip(rng.normal(28 + 5 * level, 9), 20, 69)
    tenure = np.minimum(rng.exponential(5, size=n), age - 18)
    birth = np.datetime64(start) - (age * 365.25).astype(int).astype("timedelta64[D]")
    hire = np.datetime64(start) - (tenure * 365.25).astype(int).astype("timedelta64[D]")
    low, high = np.array([b[0] for b in BANDS]), np.array([b[1] for b in BANDS])
    pay = np.round(low[level - 1] + rng.random(n) * (high[level - 1] - low[level - 1]), 2)
    deferral = np.where(rng.random(n) < 0.6, rng.choice([0.03, 0.06, 0.10], size=n), 0.0)
    ids = np.array([f"E{i:07d}" for i in range(n)], dtype=object)
    state = {"id": ids, "birth": birth, "hire": hire, "pay": pay, "level": level, "deferral": deferral}
    leavers: dict | None = None
    paths = []
    next_id = n
    for index in range(snapshots):
        year = first_year + index
        jan1 = dt.date(year, 1, 1)
        rows = [(state["id"][i], state["birth"][i], state["hire"][i], "", f"{state['pay'][i]:.2f}",
                 int(state["level"][i]), f"{state['deferral'][i]:.2f}" if deferrals else "") for i in range(len(ids))]
        if leavers is not None and convention == "dated":
            rows += [(leavers["id"][i], leavers["birth"][i], leavers["hire"][i], leavers["term"][i],
                      f"{leavers['pay'][i]:.2f}", int(leavers["level"][i]),
                      f"{leavers['deferral'][i]:.2f}" if deferrals else "") for i in range(len(leavers["id"]))]
        path = folder / f"census_{year}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            header = ["employee_id", "birth_date", "hire_date", "termination_date", "annual_compensation",
                      "job_level"] + (["deferral_rate"] if deferrals else [])
            writer.writerow(header)
            for row in sorted(rows, key=lambda r: r[0]):
                writer.writerow([row[0], str(row[1]), str(row[2]), str(row[3]), row[4], row[5]]
                                + ([row[6]] if deferrals else []))
        paths.append(path)
        if index == snapshots - 1:
            break
        # one year: terminations, promotions, raises, hires
        count = len(state["id"])
        age_band = _band(_days(state["birth"], jan1) / 365.25, AGE_EDGES)
        tenure_band = _band(_days(state["hire"], jan1) / 365.25, TENURE_EDGES)
        hazard = (np.array(truth.termination_base)[state["level"] - 1] * np.array(truth.termination_age)[age_band]
                  * np.array(truth.termination_tenure)[tenure_band])
        p_term = 1 - np.exp(-hazard)  # the engine's exponential clock runs out within the year
        leaves = rng.random(count) < p_term
        term_day = rng.integers(0, 365, size=count)
        april = dt.date(year, 4, 1)
        p_age = np.array(truth.promotion_age)[_band(_days(state["birth"], april) / 365.25, AGE_EDGES)]
        promo_tenure = _days(state["hire"], april) / 365.25
        p_ten = np.array(truth.promotion_tenure)[_band(promo_tenure, TENURE_EDGES)]
        draw = rng.random(count)
        new_level = state["level"].copy()
        cumulative = np.zeros(count)
        for (frm, to), rate in sorted(truth.promotions.items()):
            p = np.where(state["level"] == frm, rate * p_age * p_ten, 0.0)
            hit = (draw >= cumulative) & (draw < cumulative + p) & (promo_tenure >= 1) & ~leaves
            new_level = np.where(hit, to, new_level)
            cumulative = cumulative + p
        promoted = new_level != state["level"]
        new_pay = np.where(promoted, state["pay"] * (1 + truth.promotion_increase), state["pay"])
        new_pay = np.round(new_pay * (1 + np.array(truth.merit)[new_level - 1] + truth.cola), 2)
        stay = ~leaves
        leavers = {"id": state["id"][leaves], "birth": state["birth"][leaves], "hire": state["hire"][leaves],
                   "term": [str(jan1 + dt.timedelta(days=int(d))) for d in term_day[leaves]],
                   "pay": state["pay"][leaves], "level": state["level"][leaves],
                   "deferral": state["deferral"][leaves]}
        target = round(count * (1 + truth.growth))
        net = target - int(stay.sum())
        hires = int(np.ceil(net / (1 - truth.new_hire_termination))) if net > 0 else 0
        h_level = rng.choice(5, size=hires, p=np.array(truth.hire_mix)) + 1
        h_age = np.array(HIRE_AGES)[rng.choice(8, size=hires, p=np.array(truth.hire_age_mix))]
        h_day = rng.integers(0, 364, size=hires)
        h_date = np.datetime64(jan1) + h_day.astype("timedelta64[D]")
        h_birth = h_date - (h_age * 365.25).astype(int).astype("timedelta64[D]") - rng.integers(
            0, 365, size=hires).astype("timedelta64[D]")
        moved = (1 + truth.band_increase) ** (year - first_year)
        h_low, h_high = np.round(low * moved, 2), np.round(high * moved, 2)
        h_pay = np.round(h_low[h_level - 1] + rng.random(hires) * (h_high[h_level - 1] - h_low[h_level - 1]), 2)
        h_ids = np.array([f"E{i:07d}" for i in range(next_id, next_id + hires)], dtype=object)
        next_id += hires
        h_leave = np.zeros(hires, dtype=bool)
        h_leave[rng.permutation(hires)[:max(hires - net, 0)]] = True
        h_term = [str(dt.date(year, 12, 31)) for _ in range(int(h_leave.sum()))]
        h_def = np.where(rng.random(hires) < 0.5, 0.06, 0.0)
        leavers = {key: np.concatenate([np.asarray(leavers[key], dtype=object if key in ("id", "term") else None),
                                        np.asarray(value, dtype=object if key in ("id", "term") else None)])
                   for key, value in (("id", h_ids[h_leave]), ("birth", h_birth[h_leave]),
                                      ("hire", h_date[h_leave]), ("term", h_term), ("pay", h_pay[h_leave]),
                                      ("level", h_level[h_leave]), ("deferral", h_def[h_leave]))}
        keep = ~h_leave
        state = {"id": np.concatenate([state["id"][stay], h_ids[keep]]),
                 "birth": np.concatenate([state["birth"][stay], h_birth[keep]]),
                 "hire": np.concatenate([state["hire"][stay], h_date[keep]]),
                 "pay": np.concatenate([new_pay[stay], h_pay[keep]]),
                 "level": np.concatenate([new_level[stay], h_level[keep]]),
                 "deferral": np.concatenate([state["deferral"][stay], h_def[keep]])}
        ids = state["id"]
    return paths
