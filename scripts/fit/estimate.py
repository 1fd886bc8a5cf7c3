"""Every estimate in the engine's own form, from the person-years of history.py (docs/fitting.md).

Aggregation is DuckDB SQL (cells of counts); the models and intervals are statsmodels/scipy (stats.py).
Each estimate carries its exposure, its event count, a 90% interval and the default it replaces.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field

import duckdb
import numpy as np

from planalign.engine.defaults import project_vars
from planalign.fit import stats
from planalign.fit.history import History
from planalign.paths import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "seeds"


@dataclass
class Estimate:
    table: str  # the file or setting it goes to
    name: str  # the column or setting
    key: str  # the row: "level 2", "age 25_34", "2023", "" for a setting
    estimate: float
    low: float
    high: float
    exposure: float
    events: float
    default: float | None
    pooled: str = ""  # why it was pooled, "" when not
    method: str = ""

    def __post_init__(self) -> None:
        for name in ("estimate", "low", "high", "exposure", "events"):
            setattr(self, name, float(getattr(self, name)))
        if self.default is not None:
            self.default = float(self.default)

    def row(self) -> dict:
        return {"table": self.table, "name": self.name, "key": self.key, "estimate": self.estimate,
                "low_90": self.low, "high_90": self.high, "exposure": self.exposure, "events": self.events,
                "default": self.default, "pooled": self.pooled, "method": self.method}


def read_seed(name: str) -> list[dict]:
    with (SEEDS / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Defaults:
    """The shipped assumptions a fit replaces: the seeds and the simulation vars."""

    levels: list[dict] = field(default_factory=lambda: read_seed("job_levels.csv"))
    age_bands: list[dict] = field(default_factory=lambda: read_seed("hazard_age_bands.csv"))
    tenure_bands: list[dict] = field(default_factory=lambda: read_seed("hazard_tenure_bands.csv"))
    age_mix: list[dict] = field(default_factory=lambda: read_seed("new_hire_age_mix.csv"))
    cola: list[dict] = field(default_factory=lambda: read_seed("cola_rates.csv"))
    enrollment: list[dict] = field(default_factory=lambda: read_seed("enrollment_behavior.csv"))
    deferral_rates: list[dict] = field(default_factory=lambda: read_seed("voluntary_deferral_rates.csv"))
    transitions: list[dict] = field(default_factory=lambda: read_seed("promotion_transitions.csv"))
    vars: dict = field(default_factory=project_vars)

    def level(self, level: int, column: str) -> float:
        return next(float(row[column]) for row in self.levels if int(row["job_level"]) == level)

    def promotion(self, from_level: int, to_level: int) -> float:
        """The shipped base rate of a move from one level to another (0 when the seed has no such row)."""
        return next((float(row["base_rate"]) for row in self.transitions
                     if int(row["from_level"]) == from_level and int(row["to_level"]) == to_level), 0.0)

    def band(self, kind: str, band: str, column: str) -> float:
        rows = self.age_bands if kind == "age" else self.tenure_bands
        return next(float(row[column]) for row in rows if row[f"{kind}_band"] == band)


def _bands(defaults: Defaults, kind: str) -> list[str]:
    rows = defaults.age_bands if kind == "age" else defaults.tenure_bands
    return [row[f"{kind}_band"] for row in rows]


def register_seeds(con: duckdb.DuckDBPyConnection) -> None:
    """The band and level seeds as tables for the SQL of history.py."""
    for table, seed, band in (("age_bands", "hazard_age_bands.csv", "age_band"),
                              ("tenure_bands", "hazard_tenure_bands.csv", "tenure_band")):
        con.execute(f"create or replace table {table} as select {band} as band, * "
                    f"from read_csv('{SEEDS / seed}', header = true)")
    con.execute(f"create or replace table job_levels as select * from read_csv('{SEEDS / 'job_levels.csv'}', "
                "header = true)")


def reference_band(defaults: Defaults, kind: str, column: str) -> str:
    """The band whose shipped multiplier is 1.00, else the one closest to it (the first on a tie)."""
    rows = defaults.age_bands if kind == "age" else defaults.tenure_bands
    return min(rows, key=lambda row: round(abs(float(row[column]) - 1.0), 6))[f"{kind}_band"]


def _thin(events: float, exposure: float) -> bool:
    return events < stats.MIN_EVENTS or exposure < stats.MIN_EXPOSURE


@dataclass
class CellModel:
    """A rate in the engine's form base(level) x age multiplier x tenure multiplier, from cells of
    (level, age band, tenure band, exposure, events)."""

    bases: dict[int, stats.Coefficient]
    multipliers: dict[tuple[str, str], stats.Coefficient]  # (kind, band)
    pooled_levels: dict[int, str]
    pooled_bands: dict[tuple[str, str], str]
    margins: dict[tuple[str, str], tuple[float, float]]  # (kind, key) -> (exposure, events)
    references: dict[str, str]


def fit_cell_model(cells: list[tuple], levels: list[int], bands: dict[str, list[str]],
                   references: dict[str, str], link: str = "log") -> CellModel:
    """A GLM (stats.rate_model, `link`), one coefficient per level (no intercept: exp = the base at the
    reference bands) and one per non-reference band. A thin level (< MIN_EVENTS events or < MIN_EXPOSURE
    exposure) takes the base of the all-levels model; a thin band is merged into the reference band
    (multiplier 1)."""
    exposure = np.array([cell[3] for cell in cells], dtype=float)
    events = np.array([cell[4] for cell in cells], dtype=float)
    margins: dict[tuple[str, str], tuple[float, float]] = {}
    for cell in cells:
        for kind, key in (("level", str(cell[0])), ("age", cell[1]), ("tenure", cell[2])):
            old = margins.get((kind, key), (0.0, 0.0))
            margins[(kind, key)] = (old[0] + cell[3], old[1] + cell[4])
    pooled_levels = {level: f"{int(margins.get(('level', str(level)), (0, 0))[1])} events, "
                            f"{margins.get(('level', str(level)), (0, 0))[0]:.0f} exposure: base of all levels"
                     for level in levels if _thin(*reversed(margins.get(("level", str(level)), (0.0, 0.0))))}
    pooled_bands = {}
    band_columns = []
    for kind, names in bands.items():
        for band in names:
            exposure_band, events_band = margins.get((kind, band), (0.0, 0.0))
            if band == references[kind]:
                continue
            if exposure_band == 0:
                pooled_bands[(kind, band)] = "no exposure: multiplier of the reference band"
            elif _thin(events_band, exposure_band):
                pooled_bands[(kind, band)] = (f"{events_band:.0f} events, {exposure_band:.0f} exposure: merged "
                                              "into the reference band")
            else:
                band_columns.append((kind, band))
    kinds = list(bands)
    if events.sum() == 0:
        return _no_event_model(cells, levels, bands, references, margins)

    def band_design(rows) -> np.ndarray:
        return np.array([[1.0 if cell[1 + kinds.index(kind)] == band else 0.0 for kind, band in band_columns]
                         for cell in rows], dtype=float).reshape(len(rows), len(band_columns))

    # the all-levels model: an intercept and the bands
    all_levels = stats.rate_model(["all"] + [f"{k}:{b}" for k, b in band_columns],
                                  np.hstack([np.ones((len(cells), 1)), band_design(cells)]), events, exposure, link)
    # the level model: one column per fitted level, one for the thin levels together (when they have events)
    fitted = [level for level in levels if level not in pooled_levels
              and margins.get(("level", str(level)), (0, 0))[0] > 0]
    thin_events = sum(margins.get(("level", str(level)), (0, 0))[1] for level in pooled_levels)
    groups = fitted + (["thin"] if pooled_levels and thin_events > 0 else [])
    keep = [i for i, cell in enumerate(cells) if cell[0] in fitted or (cell[0] in pooled_levels and thin_events > 0)]
    # rows of thin levels without any event are left out of this fit only: with a free coefficient and no
    # event they contribute nothing to the band estimates (their MLE coefficient is -infinity)
    rows = [cells[i] for i in keep]
    level_design = np.array([[1.0 if (cell[0] == group or (group == "thin" and cell[0] in pooled_levels)) else 0.0
                              for group in groups] for cell in rows], dtype=float).reshape(len(rows), len(groups))
    by_level = stats.rate_model([str(group) for group in groups] + [f"{k}:{b}" for k, b in band_columns],
                                np.hstack([level_design, band_design(rows)]), events[keep], exposure[keep], link)
    bases = {level: (all_levels["all"] if level in pooled_levels else by_level[str(level)])
             for level in levels if level in pooled_levels or level in fitted}
    one = stats.Coefficient(1.0, 1.0, 1.0)
    multipliers = {(kind, band): (by_level.get(f"{kind}:{band}", one)) for kind in kinds for band in bands[kind]}
    return CellModel(bases, multipliers, pooled_levels, pooled_bands, margins, references)


def _no_event_model(cells, levels, bands, references, margins) -> CellModel:
    """No event at all in the history: every base is 0 (its exact upper bound from its exposure), every band
    multiplier 1, all marked pooled."""
    bases = {}
    for level in levels:
        exposure = margins.get(("level", str(level)), (0.0, 0.0))[0]
        if exposure > 0:
            bases[level] = stats.Coefficient(0.0, 0.0, stats.clopper_pearson(0, int(exposure))[1])
    one = stats.Coefficient(1.0, 1.0, 1.0)
    return CellModel(bases, {(kind, band): one for kind in bands for band in bands[kind]},
                     {level: "no event in the history" for level in bases},
                     {(kind, band): "no event in the history: multiplier 1" for kind in bands for band in bands[kind]
                      if band != references[kind]}, margins, references)


def _cells(con: duckdb.DuckDBPyConnection, where: str, event: str, age: str, tenure: str) -> list[tuple]:
    return con.execute(f"""
        select level_at_start, {age}, {tenure}, count(*)::double as exposure,
            sum(case when {event} then 1 else 0 end)::double as events
        from person_years where {where}
        group by all order by all""").fetchall()


def termination_estimates(con, history: History, defaults: Defaults, levels: list[int]) -> tuple[list, list]:
    """Overall experienced rate, base by level, age and tenure multipliers, the new-hire rate."""
    out: list[Estimate] = []
    cells = _cells(con, "true", "outcome <> 'stayed'", "age_band", "tenure_band")
    exposure = sum(cell[3] for cell in cells)
    events = sum(cell[4] for cell in cells)
    low, high = stats.clopper_pearson(int(events), int(exposure))
    out.append(Estimate("workforce", "total_termination_rate", "", events / exposure, low, high, exposure, events,
                        float(defaults.vars["total_termination_rate"]),
                        method="leavers / Jan 1 actives; Clopper-Pearson"))
    kinds = {"age": _bands(defaults, "age"), "tenure": _bands(defaults, "tenure")}
    references = {kind: reference_band(defaults, kind, "termination_multiplier") for kind in kinds}
    model = fit_cell_model(cells, levels, kinds, references, link="cloglog")
    for level in levels:
        coefficient = model.bases.get(level)
        margin = model.margins.get(("level", str(level)), (0.0, 0.0))
        if coefficient is None:
            out.append(Estimate("job_levels.csv", "termination_base_rate", f"level {level}",
                                defaults.level(level, "termination_base_rate"), math.nan, math.nan, 0, 0,
                                defaults.level(level, "termination_base_rate"), "no exposure: default kept",
                                "default"))
            continue
        out.append(Estimate("job_levels.csv", "termination_base_rate", f"level {level}", coefficient.estimate,
                            coefficient.low, coefficient.high, margin[0], margin[1],
                            defaults.level(level, "termination_base_rate"), model.pooled_levels.get(level, ""),
                            f"binomial GLM, cloglog link: yearly hazard at the reference bands ({references['age']}, "
                            f"{references['tenure']}); Wald on the log scale"))
    out += _band_rows(model, kinds, defaults, "termination_multiplier",
                      method="binomial GLM, cloglog link: hazard ratio to the reference band; Wald on the log scale")
    return out, cells


def _band_rows(model: CellModel, kinds: dict, defaults: Defaults, column: str, skip: dict[str, str] | None = None,
               method: str = "Poisson GLM rate ratio to the reference band; Wald on the log scale") -> list[Estimate]:
    out = []
    table = {"age": "hazard_age_bands.csv", "tenure": "hazard_tenure_bands.csv"}
    for kind, names in kinds.items():
        for band in names:
            default = defaults.band(kind, band, column)
            margin = model.margins.get((kind, band), (0.0, 0.0))
            if skip and band == skip.get(kind):
                out.append(Estimate(table[kind], column, f"{kind} {band}", default, math.nan, math.nan, margin[0],
                                    margin[1], default, "not eligible in this band: default kept", "default"))
                continue
            coefficient = model.multipliers[(kind, band)]
            pooled = model.pooled_bands.get((kind, band), "")
            out.append(Estimate(table[kind], column, f"{kind} {band}", coefficient.estimate, coefficient.low,
                                coefficient.high, margin[0], margin[1], default, pooled,
                                "reference band (1 by definition)" if band == model.references[kind] else method))
    return out


def new_hire_termination(con, history: History, defaults: Defaults) -> Estimate:
    default = float(defaults.vars["new_hire_termination_rate"])
    hires, left = con.execute("select count(*), coalesce(sum(case when has_left then 1 else 0 end), 0) "
                              "from hires").fetchone()
    if not history.hires_seen_leaving:
        return Estimate("workforce", "new_hire_termination_rate", "", default, math.nan, math.nan, hires, 0, default,
                        "not estimable: the files drop leavers, so a hire who left within the year is never "
                        "seen; default kept", "default")
    low, high = stats.clopper_pearson(int(left), int(hires))
    return Estimate("workforce", "new_hire_termination_rate", "", left / hires if hires else default, low, high,
                    hires, left, default, "" if hires else "no hires: default kept",
                    "hires of the year who left by Dec 31 / hires; Clopper-Pearson")


def promotion_estimates(con, defaults: Defaults, levels: list[int]) -> tuple[list, list, dict]:
    """The level-change rate in the engine's form (base by from-level x age x tenure multipliers, age and
    tenure on the promotion date), split into to-levels by the observed shares."""
    eligible = "outcome = 'stayed' and is_promotion_tenure"
    cells = _cells(con, eligible, "level_at_end <> level_at_start", "promotion_age_band", "promotion_tenure_band")
    kinds = {"age": _bands(defaults, "age"), "tenure": _bands(defaults, "tenure")}
    ineligible = {"tenure": defaults.tenure_bands[0]["tenure_band"]}  # [0, 1): never eligible
    kinds_fitted = {"age": kinds["age"], "tenure": [b for b in kinds["tenure"] if b != ineligible["tenure"]]}
    references = {kind: reference_band(defaults, kind, "promotion_multiplier") for kind in kinds}
    if references["tenure"] == ineligible["tenure"]:
        references["tenure"] = kinds_fitted["tenure"][0]
    model = fit_cell_model(cells, levels, kinds_fitted, references)
    out = _band_rows(model, kinds, defaults, "promotion_multiplier", skip=ineligible)
    moves = con.execute(f"""
        select level_at_start, level_at_end, count(*) from person_years
        where {eligible} and level_at_end <> level_at_start group by all order by all""").fetchall()
    transitions = []
    for level in levels:
        margin = model.margins.get(("level", str(level)), (0.0, 0.0))
        base = model.bases.get(level)
        mine = [(to, n) for frm, to, n in moves if frm == level]
        total = sum(n for _, n in mine)
        pooled = model.pooled_levels.get(level, "")
        if base is None or (not mine and pooled):
            # no exposure, or a thin level without any move: the shipped one-level-up structure
            default = defaults.promotion(level, level + 1)
            if level < max(levels) and default > 0:
                transitions.append(Estimate("promotion_transitions.csv", "base_rate", f"{level}->{level + 1}",
                                            default, math.nan, math.nan, margin[0], 0, default,
                                            pooled or "no exposure: shipped one-level promotion kept", "default"))
            continue
        for to, n in mine:
            share = n / total
            low, high = stats.clopper_pearson(n, int(margin[0]))
            crude = n / margin[0]
            scale = base.estimate * share / crude  # the reference-band adjustment, taken as known
            default = defaults.promotion(level, to)
            transitions.append(Estimate(
                "promotion_transitions.csv", "base_rate", f"{level}->{to}", base.estimate * share, low * scale,
                high * scale, margin[0], n, default, pooled,
                "base(from level) x share of the move among its level changes; Clopper-Pearson of the crude "
                "rate, scaled to the reference bands"))
    return out, transitions, {"cells": cells, "model": model}


def raise_estimates(con, defaults: Defaults, levels: list[int], years: list[int]) -> tuple[list, dict, dict]:
    """Merit by level and COLA by year from the pay growth of stayers without a level change. The total raise
    of level L in year t is merit(L) + COLA(t); the data identify the level differences and the yearly
    variation, not a constant common to both: the exposure-weighted mean merit is kept at the shipped value."""
    rows = con.execute("""
        select level_at_start, snapshot_year, pay_at_end / pay_at_start - 1 from person_years
        where outcome = 'stayed' and level_at_end = level_at_start order by all""").fetchall()
    if not rows:
        return [], {}, {}
    level_of = np.array([r[0] for r in rows])
    year_of = np.array([r[1] for r in rows])
    raise_of = np.array([r[2] for r in rows], dtype=float)
    medians = {}
    for level in levels:
        for year in years[:-1]:
            mask = (level_of == level) & (year_of == year)
            if mask.any():
                medians[(level, year)] = (float(np.median(raise_of[mask])), int(mask.sum()))
    year_mean = {}
    for year in years[:-1]:
        cells = [(m, n) for (lv, yr), (m, n) in medians.items() if yr == year]
        if cells:
            year_mean[year] = sum(m * n for m, n in cells) / sum(n for _, n in cells)
    counts = {level: int((level_of == level).sum()) for level in levels}
    common = sum(defaults.level(level, "merit_rate") * counts[level] for level in levels) / max(sum(counts.values()), 1)
    out, merit, cola = [], {}, {}
    for level in levels:
        cells = [(m - year_mean[yr], n) for (lv, yr), (m, n) in medians.items() if lv == level]
        default = defaults.level(level, "merit_rate")
        if not cells:
            merit[level] = default
            out.append(Estimate("job_levels.csv", "merit_rate", f"level {level}", default, math.nan, math.nan, 0, 0,
                                default, "no stayers at this level: default kept", "default"))
            continue
        estimate = common + sum(d * n for d, n in cells) / sum(n for _, n in cells)
        mask = level_of == level
        net = raise_of[mask] - np.array([year_mean[y] for y in year_of[mask]]) + common
        _, low, high = stats.median_interval(net)
        pooled = ""
        if counts[level] < stats.MIN_EXPOSURE:
            pooled = f"{counts[level]} stayers: merit of all levels"
            estimate = common
        note = ""
        if estimate < 0:
            note, estimate = "negative net merit clipped to 0", 0.0
        merit[level] = estimate
        out.append(Estimate("job_levels.csv", "merit_rate", f"level {level}", estimate, low, high, counts[level],
                            counts[level], default, pooled or note,
                            "level's median raise minus the year's mean, plus the shipped mean merit; interval: "
                            "order statistics of the median net raise"))
    shipped_cola = {int(row["simulation_year"]): float(row["cola_rate"]) for row in defaults.cola}
    for year in years[:-1]:
        if year not in year_mean:
            continue
        mask = year_of == year
        net = raise_of[mask] - np.array([merit[lv] for lv in level_of[mask]])
        _, low, high = stats.median_interval(net)
        cola[year] = year_mean[year] - common
        out.append(Estimate("cola_rates.csv", "cola_rate", str(year), cola[year], low, high, int(mask.sum()),
                            int(mask.sum()), shipped_cola.get(year, float(defaults.vars["default_cola_rate"])), "",
                            "year's mean of the levels' median raises minus the shipped mean merit; interval: order "
                            "statistics of the median raise net of merit"))
    if cola:
        values = np.array(list(cola.values()))
        out.append(Estimate("workforce", "default_cola_rate", "", float(values.mean()), float(values.min()),
                            float(values.max()), sum(counts.values()), sum(counts.values()),
                            float(defaults.vars["default_cola_rate"]), "",
                            "mean of the fitted yearly COLA (for the projected years); interval: range of the years"))
    return out, merit, cola


def promotion_increase(con, defaults: Defaults, merit: dict, cola: dict) -> Estimate:
    """Pay growth of stayers promoted (level up), net of the merit of the new level and the year's COLA."""
    default = float(defaults.vars["promotion_increase"])
    rows = con.execute("""
        select level_at_end, snapshot_year, pay_at_end / pay_at_start from person_years
        where outcome = 'stayed' and level_at_end > level_at_start order by all""").fetchall()
    if not rows:
        return Estimate("workforce", "promotion_increase", "", default, math.nan, math.nan, 0, 0, default,
                        "no promotion seen: default kept", "default")
    values = np.array([ratio / (1 + merit.get(level, 0.0) + cola.get(year, 0.0)) - 1
                       for level, year, ratio in rows], dtype=float)
    low, high = stats.bootstrap(values, np.median)
    pooled = "" if len(values) >= stats.MIN_EVENTS else f"{len(values)} promotions: default kept"
    estimate = float(np.median(values)) if not pooled else default
    return Estimate("workforce", "promotion_increase", "", max(estimate, 0.0), low, high, len(values), len(values),
                    default, pooled, "median pay growth of the promoted, net of merit and COLA; bootstrap")


def growth_estimate(con, history: History, defaults: Defaults) -> Estimate:
    counts = dict(con.execute("""
        select snapshot_year, count(*) from snapshots
        where hire_date <= make_date(snapshot_year, 1, 1)
            and (termination_date is null or termination_date >= make_date(snapshot_year, 1, 1))
        group by all""").fetchall())
    years = history.years
    yearly = [counts.get(b, 0) / counts[a] - 1 for a, b in zip(years, years[1:], strict=False) if counts.get(a)]
    estimate = (counts.get(years[-1], 0) / counts[years[0]]) ** (1 / (len(years) - 1)) - 1
    return Estimate("workforce", "target_growth_rate", "", estimate, min(yearly), max(yearly),
                    sum(counts.get(y, 0) for y in years[:-1]), len(yearly), float(defaults.vars["target_growth_rate"]),
                    "", "geometric mean of the yearly headcount growth (Jan 1 to Jan 1); interval: range of the years")


def _shares(table: str, name: str, keyed: list[tuple[str, int]], defaults: list[float], what: str,
            empty: str = "no hires: default kept") -> list[Estimate]:
    total = sum(n for _, n in keyed)
    out = []
    for (key, n), default in zip(keyed, defaults, strict=True):
        low, high = stats.wilson(n, total)
        out.append(Estimate(table, name, key, n / total if total else default, low, high, total, n, default,
                            "" if total else empty, f"share of {what}; Wilson" if total else "default"))
    return out


def hiring_estimates(con, defaults: Defaults, levels: list[int]) -> tuple[list, tuple[float, float]]:
    out = []
    by_level = dict(con.execute("select job_level, count(*) from hires group by all").fetchall())
    out += _shares("job_levels.csv", "new_hire_weight", [(f"level {lv}", by_level.get(lv, 0)) for lv in levels],
                   [defaults.level(lv, "new_hire_weight") for lv in levels], "the hires by level")
    ages = [int(row["age"]) for row in defaults.age_mix]
    cuts = [(a + b) / 2 for a, b in zip(ages, ages[1:], strict=False)]
    case = " ".join(f"when floor(age_at_hire) < {cut} then {age}" for age, cut in zip(ages, cuts, strict=False))
    by_age = dict(con.execute(f"select case {case} else {ages[-1]} end, count(*) from hires group by all").fetchall())
    out += _shares("new_hire_age_mix.csv", "weight", [(f"age {age}", by_age.get(age, 0)) for age in ages],
                   [float(row["weight"]) for row in defaults.age_mix], "the hires by age at hire (nearest age point)")
    positions = np.array([r[0] for r in con.execute("""
        select least(1, greatest(0, (hires.annual_compensation - job_levels.min_compensation)
            / (job_levels.max_compensation - job_levels.min_compensation)))
        from hires inner join job_levels on hires.job_level = job_levels.job_level
        order by 1""").fetchall()], dtype=float)
    pay_range = (0.0, 1.0)
    if len(positions) >= 2:
        n = len(positions)

        def low_end(values):
            return max(0.0, values.min() - (values.max() - values.min()) / (n - 1))

        def high_end(values):
            return min(1.0, values.max() + (values.max() - values.min()) / (n - 1))

        pay_range = (low_end(positions), high_end(positions))
        for index, (label, function) in enumerate((("low", low_end), ("high", high_end))):
            low, high = stats.bootstrap(positions, function)
            out.append(Estimate("workforce", "new_hire_pay_range", label, pay_range[index], low, high, n, n,
                                float(index), "", "uniform end points: min/max of the hires' band positions "
                                "widened by the range/(n-1); bootstrap"))
    return out, pay_range


def enrollment_estimates(con, defaults: Defaults) -> tuple[list, dict]:
    """Voluntary enrollment and opt-out by the enrollment profile's age bands; the deferral-rate mix."""
    standard = [row for row in defaults.enrollment if row["enrollment_profile_id"] == "standard"]
    bands = [(float(row["min_age"]), float(row["max_age"])) for row in standard]
    case = " ".join(f"when age_years < {high} then '{low:g}-{high:g}'" for low, high in bands)
    keys = [f"{low:g}-{high:g}" for low, high in bands]
    out, fitted = [], {"voluntary_enrollment_rate": {}, "opt_out_rate": {}, "deferral_rates": None}
    participation = dict((key, (n, p)) for key, n, p in con.execute(f"""
        select case {case} else '{keys[-1]}' end, count(*), sum(case when deferral_rate > 0 then 1 else 0 end)
        from (select *, date_diff('day', birth_date, make_date(snapshot_year, 1, 1)) / 365.25 as age_years
              from snapshots
              where hire_date <= make_date(snapshot_year, 1, 1)
                  and (termination_date is null or termination_date >= make_date(snapshot_year, 1, 1)))
        group by all""").fetchall())
    for key in keys:
        n, p = participation.get(key, (0, 0))
        low, high = stats.clopper_pearson(int(p), int(n))
        out.append(Estimate("participation (not an engine input)", "participation_rate", f"age {key}",
                            p / n if n else math.nan, low, high, n, p, None, "" if n else "no one in this band",
                            "Jan 1 actives of every snapshot with a deferral rate above 0 / Jan 1 actives; "
                            "Clopper-Pearson"))
    voluntary = dict((key, (exp, ev)) for key, exp, ev in con.execute(f"""
        select case {case} else '{keys[-1]}' end, count(*), sum(case when deferral_at_end > 0 then 1 else 0 end)
        from person_years
        where outcome = 'stayed' and coalesce(deferral_at_start, 0) = 0
        group by all""").fetchall())
    total_exposure = sum(v[0] for v in voluntary.values())
    total_events = sum(v[1] for v in voluntary.values())
    for key, row in zip(keys, standard, strict=True):
        exposure, events = voluntary.get(key, (0, 0))
        default = float(row["voluntary_enrollment_rate"])
        pooled = ""
        if not total_exposure:
            estimate, low, high, pooled = default, math.nan, math.nan, "no one without a deferral: default kept"
        elif not total_events:
            estimate, low, high = 0.0, *stats.clopper_pearson(0, int(exposure))
            pooled = "" if exposure else "no exposure in this band"
        elif _thin(events, exposure):
            estimate = total_events / total_exposure
            low, high = stats.clopper_pearson(int(total_events), int(total_exposure))
            pooled = f"{events} events, {exposure} exposure: rate of all ages"
        else:
            estimate = events / exposure
            low, high = stats.clopper_pearson(int(events), int(exposure))
        fitted["voluntary_enrollment_rate"][key] = estimate
        out.append(Estimate("enrollment_behavior.csv", "voluntary_enrollment_rate", f"age {key}", estimate, low, high,
                            exposure, events, default, pooled,
                            "stayers not deferring on Jan 1 who defer a year later; Clopper-Pearson"))
    opted = dict((key, (n, o)) for key, n, o in con.execute(f"""
        select case {case} else '{keys[-1]}' end, count(*),
            sum(case when coalesce(deferral_rate, 0) = 0 then 1 else 0 end)
        from (select *, age_at_hire as age_years from hires where is_enrolled_in_interval)
        group by all""").fetchall())
    identifiable = sum(o for _, o in opted.values()) > 0
    all_n, all_o = sum(n for n, _ in opted.values()), sum(o for _, o in opted.values())
    for key, row in zip(keys, standard, strict=True):
        default = float(row["opt_out_rate"])
        n, o = opted.get(key, (0, 0))
        if not identifiable:
            estimate, low, high, method = default, math.nan, math.nan, "default"
            pooled = "not identifiable: no hire with an enrollment date and a zero deferral rate; default kept"
        elif _thin(o, n):
            method = "pooled"
            estimate = all_o / all_n
            low, high = stats.clopper_pearson(int(all_o), int(all_n))
            pooled = f"{o} events, {n} exposure: rate of all ages"
        else:
            estimate, (low, high), pooled, method = o / n, stats.clopper_pearson(int(o), int(n)), "", ""
        fitted["opt_out_rate"][key] = estimate
        out.append(Estimate("enrollment_behavior.csv", "opt_out_rate", f"age {key}", estimate, low, high, n, o,
                            default, pooled, "default" if method == "default" else
                            "hires enrolled in their year who hold a zero rate (opted out) / hires enrolled in their "
                            "year; Clopper-Pearson"))
    grid = [float(row["deferral_rate"]) for row in defaults.deferral_rates]
    rates = [r[0] for r in con.execute("""
        select deferral_at_end from person_years
        where outcome = 'stayed' and coalesce(deferral_at_start, 0) = 0 and deferral_at_end > 0""").fetchall()]
    counts = [0] * len(grid)
    for rate in rates:
        counts[min(range(len(grid)), key=lambda i: (abs(grid[i] - rate), i))] += 1
    shares = _shares("voluntary_deferral_rates.csv", "weight", [(f"rate {g:g}", c) for g, c in zip(grid, counts,
                                                                                                   strict=True)],
                     [float(row["weight"]) for row in defaults.deferral_rates],
                     "new voluntary enrollees' rates (nearest rate of the shipped grid)",
                     empty="no new voluntary enrollee: default kept")
    out += shares
    fitted["deferral_rates"] = list(zip(grid, [s.estimate for s in shares], strict=True)) if rates else None
    return out, fitted
