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
    designs: list[dict] = field(default_factory=lambda: read_seed("plan_designs.csv"))
    match_response: list[dict] = field(default_factory=lambda: read_seed("match_response.csv"))

    @property
    def plan_design(self) -> dict:
        """The plan design the fitted scenario keeps (the baseline's): who is enrolled automatically."""
        return next(row for row in self.designs if row["plan_design_id"] == self.vars["plan_design_id"])

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


def register_year_bands(con: duckdb.DuckDBPyConnection, years: list[int], rate: float) -> None:
    """`job_level_bands`: each level's pay band in each year of the history, as the engine moves it. The shipped
    bands are taken as those of the first snapshot's year and move by `rate` (workforce.pay_band_increase) a
    year: round(bound x (1 + rate) ^ (year - first), 2), the rounding of the engine's pay_band() macro."""
    first = years[0]
    con.execute(f"""
        create or replace table job_level_bands as
        select job_levels.job_level, y.year,
            round(job_levels.min_compensation * power(1 + {rate!r}, y.year - {first}), 2) as min_compensation,
            round(job_levels.max_compensation * power(1 + {rate!r}, y.year - {first}), 2) as max_compensation
        from job_levels cross join range({first}, {years[-1] + 1}) as y(year)""")


def reference_band(defaults: Defaults, kind: str, column: str) -> str:
    """The band whose shipped multiplier is 1.00, else the one closest to it (the first on a tie)."""
    rows = defaults.age_bands if kind == "age" else defaults.tenure_bands
    return min(rows, key=lambda row: round(abs(float(row[column]) - 1.0), 6))[f"{kind}_band"]


def _thin(events: float, exposure: float) -> bool:
    return events < stats.MIN_EVENTS or exposure < stats.MIN_EXPOSURE


@dataclass
class CellModel:
    """A rate in the engine's form base(level) x age multiplier x tenure multiplier, from cells of
    (level, age band, tenure band, exposure, events[, year])."""

    bases: dict[int, stats.Coefficient]
    multipliers: dict[tuple[str, str], stats.Coefficient]  # (kind, band)
    pooled_levels: dict[int, str]
    pooled_bands: dict[tuple[str, str], str]
    margins: dict[tuple[str, str], tuple[float, float]]  # (kind, key) -> (exposure, events)
    references: dict[str, str]
    weights: dict[tuple[str, str], float] = field(default_factory=dict)  # (kind, band) -> credibility Z < 1


def _margins(cells: list[tuple]) -> dict[tuple[str, str], tuple[float, float]]:
    margins: dict[tuple[str, str], tuple[float, float]] = {}
    for cell in cells:
        for kind, key in (("level", str(cell[0])), ("age", cell[1]), ("tenure", cell[2])):
            old = margins.get((kind, key), (0.0, 0.0))
            margins[(kind, key)] = (old[0] + cell[3], old[1] + cell[4])
    return margins


def fit_cell_model(cells: list[tuple], levels: list[int], bands: dict[str, list[str]],
                   references: dict[str, str], defaults: dict[tuple[str, str], float], link: str = "log",
                   by_year: bool = False, level_defaults: dict[int, float] | None = None) -> CellModel:
    """A GLM (stats.rate_model, `link`), one coefficient per level (no intercept: exp = the base at the
    reference bands) and one per non-reference band; with `by_year`, one per year but the first (the cells'
    sixth element), and a level's base is taken at the history's average year (the exposure-weighted mean
    of the year terms). A thin level (< MIN_EVENTS events or < MIN_EXPOSURE exposure) is shrunk by credibility
    toward its parent: its shipped base (`level_defaults`) scaled by the fitted levels' ratio to their shipped
    bases (the exposure-weighted geometric mean), parent x (Z x its observed / expected events + 1 - Z). The base
    of all levels was the parent before: on engine histories it put level 5 (truth 0.3 of level 1) at 0.6 of
    level 1 with half the weight. Without shipped bases or a fitted level the parent is the base of all levels
    (the all-levels model). A thin
    band's cells are left out of the GLMs (merged into the reference band, as before, they pulled the reference
    toward the thin band's own rate and so biased every base and multiplier: a tenure 10+ band at 0.55 of the
    reference gave bases 10-40% low on 5,000 employees), and the band then gets its multiplier by credibility:
    Z x (its observed / expected events at multiplier 1 under the fitted model) + (1 - Z) x the default
    multiplier it replaces (`defaults`, relative to the reference band), Z = stats.credibility(events). When
    no event is left outside the thin bands (a tiny history) the thin bands' cells stay in the GLMs, merged
    into the reference band."""
    exposure = np.array([cell[3] for cell in cells], dtype=float)
    events = np.array([cell[4] for cell in cells], dtype=float)
    margins = _margins(cells)
    pooled_levels = {level: f"{int(margins.get(('level', str(level)), (0, 0))[1])} events, "
                            f"{margins.get(('level', str(level)), (0, 0))[0]:.0f} exposure: base of all levels"
                     for level in levels if _thin(*reversed(margins.get(("level", str(level)), (0.0, 0.0))))}
    thin_bands = []
    band_columns = []
    for kind, names in bands.items():
        for band in names:
            exposure_band, events_band = margins.get((kind, band), (0.0, 0.0))
            if band == references[kind]:
                continue
            if _thin(events_band, exposure_band):
                thin_bands.append((kind, band))
            else:
                band_columns.append((kind, band))
    kinds = list(bands)
    if events.sum() == 0:
        return _no_event_model(cells, levels, bands, references, margins, defaults)

    def thin_of(cell) -> list[tuple[str, str]]:
        return [(kind, cell[1 + kinds.index(kind)]) for kind in kinds
                if (kind, cell[1 + kinds.index(kind)]) in thin_bands]

    in_glm = np.array([not thin_of(cell) for cell in cells], dtype=bool)
    if events[in_glm].sum() == 0:
        in_glm[:] = True  # a tiny history: nothing outside the thin bands to fit on
    years = sorted({cell[5] for cell in cells})[1:] if by_year else []
    year_names = [f"year:{year}" for year in years]
    year_weights = {f"year:{year}": sum(cell[3] for cell in cells if cell[5] == year) / exposure.sum()
                    for year in years}

    def other_columns(rows) -> np.ndarray:
        bands_part = [[1.0 if cell[1 + kinds.index(kind)] == band else 0.0 for kind, band in band_columns]
                      for cell in rows]
        years_part = [[1.0 if cell[5] == year else 0.0 for year in years] for cell in rows]
        return np.hstack([np.array(bands_part, dtype=float).reshape(len(rows), len(band_columns)),
                          np.array(years_part, dtype=float).reshape(len(rows), len(years))])

    names = [f"{k}:{b}" for k, b in band_columns] + year_names
    glm_rows = [i for i in range(len(cells)) if in_glm[i]]
    glm_cells = [cells[i] for i in glm_rows]
    # the all-levels model: an intercept, the bands (and years)
    all_levels = stats.rate_model(["all"] + names,
                                  np.hstack([np.ones((len(glm_cells), 1)), other_columns(glm_cells)]),
                                  events[glm_rows], exposure[glm_rows], link)
    # the level model: one column per fitted level, one for the thin levels together (when they have events)
    glm_margins = _margins(glm_cells)
    for level in levels:
        if (level not in pooled_levels and margins.get(("level", str(level)), (0, 0))[0] > 0
                and glm_margins.get(("level", str(level)), (0, 0))[1] == 0):
            pooled_levels[level] = (f"{int(margins[('level', str(level))][1])} events, none outside the thin "
                                    "bands: base of all levels")
    fitted = [level for level in levels if level not in pooled_levels
              and margins.get(("level", str(level)), (0, 0))[0] > 0]
    thin_events = sum(glm_margins.get(("level", str(level)), (0, 0))[1] for level in pooled_levels)
    groups = fitted + (["thin"] if pooled_levels and thin_events > 0 else [])
    keep = [i for i in glm_rows if cells[i][0] in fitted or (cells[i][0] in pooled_levels and thin_events > 0)]
    # rows of thin levels without any event are left out of this fit only: with a free coefficient and no
    # event they contribute nothing to the band estimates (their MLE coefficient is -infinity)
    rows = [cells[i] for i in keep]
    level_design = np.array([[1.0 if (cell[0] == group or (group == "thin" and cell[0] in pooled_levels)) else 0.0
                              for group in groups] for cell in rows], dtype=float).reshape(len(rows), len(groups))
    by_level = stats.rate_model([str(group) for group in groups] + names,
                                np.hstack([level_design, other_columns(rows)]), events[keep], exposure[keep], link)
    one = stats.Coefficient(1.0, 1.0, 1.0)
    multipliers = {(kind, band): by_level.get(f"{kind}:{band}", one) for kind in kinds for band in bands[kind]}

    def expected(i: int, model: stats.RateModel, level_term: str, leave_out: tuple[str, str] | None) -> float:
        """Cell i's expected events under `model` (its level term, bands and year), a thin band's multiplier
        taken as its current value (the default until it is estimated), `leave_out`'s at 1."""
        cell = cells[i]
        value = model.params[level_term] + sum(model.params.get(f"{kind}:{cell[1 + kinds.index(kind)]}", 0.0)
                                               for kind in kinds)
        value += model.params.get(f"year:{cell[5]}", 0.0) if by_year else 0.0
        value += sum(math.log(max(multipliers[key].estimate, 1e-12)) for key in thin_of(cell) if key != leave_out)
        rate = math.exp(value)
        return exposure[i] * (1 - math.exp(-rate) if link == "cloglog" else rate)

    def level_term(i: int) -> tuple[stats.RateModel, str]:
        level = cells[i][0]
        if level in fitted:
            return by_level, str(level)
        return (by_level, "thin") if "thin" in groups and level in pooled_levels else (all_levels, "all")

    pooled_bands, weights = {}, {}
    for kind, band in thin_bands:
        multipliers[(kind, band)] = stats.Coefficient(defaults[(kind, band)], defaults[(kind, band)],
                                                      defaults[(kind, band)])
    for kind, band in thin_bands:
        in_band = [i for i, cell in enumerate(cells) if cell[1 + kinds.index(kind)] == band]
        observed = float(events[in_band].sum())
        at_one = float(sum(expected(i, *level_term(i), (kind, band)) for i in in_band))
        exposure_band = float(exposure[in_band].sum())
        default = defaults[(kind, band)]
        weight = stats.credibility(observed) if exposure_band > 0 and at_one > 0 else 0.0
        if weight > 0:
            low, high = stats.poisson_ratio(observed, at_one)
            ratio = observed / at_one
            multipliers[(kind, band)] = stats.Coefficient(weight * ratio + (1 - weight) * default,
                                                          weight * low + (1 - weight) * default,
                                                          weight * high + (1 - weight) * default)
        weights[(kind, band)] = weight
        pooled_bands[(kind, band)] = (f"{observed:.0f} events, {exposure_band:.0f} exposure: shrunk toward the "
                                      f"default {default:.4g}, weight Z = {weight:.2f}")
    bases = {level: by_level.combination({str(level): 1.0, **year_weights}) for level in fitted}
    everyone = all_levels.combination({"all": 1.0, **year_weights})
    shipped = [level for level in fitted if (level_defaults or {}).get(level, 0) > 0]
    scale = None
    if shipped:
        weight_of = {level: margins[("level", str(level))][0] for level in shipped}
        scale = math.exp(sum(weight_of[level] * math.log(bases[level].estimate / level_defaults[level])
                             for level in shipped) / sum(weight_of.values()))
    for level in levels:
        if level in pooled_levels:
            # toward its parent (the shipped base x the fitted levels' ratio to theirs, its interval as wide as
            # the all-levels base's): parent x (Z x its observed / expected events under the parent + 1 - Z),
            # Z = stats.credibility(events); a level without events keeps the parent's base
            if scale is not None:
                center = level_defaults.get(level, 0.0) * scale
                parent = stats.Coefficient(center, center * everyone.low / everyone.estimate,
                                           center * everyone.high / everyone.estimate)
                pooled_levels[level] = pooled_levels[level].replace(
                    "base of all levels", f"its shipped base x {scale:.3g} (the fitted levels' ratio to theirs)")
            else:
                parent = everyone
            own = [i for i, cell in enumerate(cells) if cell[0] == level]
            observed = float(events[own].sum())
            at_parent = float(sum(expected(i, all_levels, "all", None) for i in own)) * (
                parent.estimate / everyone.estimate if everyone.estimate > 0 else 0.0)
            if parent.estimate <= 0:
                bases[level] = parent
                pooled_levels[level] += ", shrunk toward it with weight Z = 0.00"
                continue
            weight = stats.credibility(observed) if observed > 0 and at_parent > 0 else 0.0
            if weight > 0:
                low, high = stats.poisson_ratio(observed, at_parent)
                ratio = observed / at_parent
                bases[level] = stats.Coefficient(parent.estimate * (weight * ratio + 1 - weight),
                                                 parent.low * (weight * low + 1 - weight),
                                                 parent.high * (weight * high + 1 - weight))
            else:
                bases[level] = parent
            pooled_levels[level] += f", shrunk toward it with weight Z = {weight:.2f}"
    return CellModel(bases, multipliers, pooled_levels, pooled_bands, margins, references, weights)


def _no_event_model(cells, levels, bands, references, margins, defaults) -> CellModel:
    """No event at all in the history: every base is 0 (its exact upper bound from its exposure), every band
    multiplier its default (credibility 0), all marked pooled."""
    bases = {}
    for level in levels:
        exposure = margins.get(("level", str(level)), (0.0, 0.0))[0]
        if exposure > 0:
            bases[level] = stats.Coefficient(0.0, 0.0, stats.clopper_pearson(0, int(exposure))[1])
    multipliers = {(kind, band): stats.Coefficient(1.0, 1.0, 1.0) if band == references[kind] else
                   stats.Coefficient(defaults[(kind, band)], defaults[(kind, band)], defaults[(kind, band)])
                   for kind in bands for band in bands[kind]}
    thin = [(kind, band) for kind in bands for band in bands[kind] if band != references[kind]]
    return CellModel(bases, multipliers, {level: "no event in the history" for level in bases},
                     {key: f"no event in the history: the default {defaults[key]:.4g}, weight Z = 0.00"
                      for key in thin}, margins, references, {key: 0.0 for key in thin})


def default_multipliers(defaults: Defaults, kinds: dict[str, list[str]], references: dict[str, str],
                        column: str) -> dict[tuple[str, str], float]:
    """The shipped multipliers relative to the fit's reference bands (the shrinkage target of a thin band)."""
    out = {}
    for kind, names in kinds.items():
        reference = defaults.band(kind, references[kind], column)
        for band in names:
            out[(kind, band)] = defaults.band(kind, band, column) / reference if reference else 1.0
    return out


def _cells(con: duckdb.DuckDBPyConnection, where: str, event: str, age: str, tenure: str,
           by_year: bool = False) -> list[tuple]:
    """(level, age band, tenure band, exposure, events[, year]) of the person-years that match `where`."""
    year = ", snapshot_year" if by_year else ""
    return con.execute(f"""
        select level_at_start, {age}, {tenure}, count(*)::double as exposure,
            sum(case when {event} then 1 else 0 end)::double as events{year}
        from person_years where {where}
        group by all order by all""").fetchall()


def termination_estimates(con, history: History, defaults: Defaults, levels: list[int]) -> tuple[list, list]:
    """Overall experienced rate, base by level, age and tenure multipliers, the new-hire rate."""
    out: list[Estimate] = []
    cells = _cells(con, "true", "outcome <> 'stayed'", "age_band", "tenure_band", by_year=True)
    exposure = sum(cell[3] for cell in cells)
    events = sum(cell[4] for cell in cells)
    low, high = stats.clopper_pearson(int(events), int(exposure))
    out.append(Estimate("workforce", "total_termination_rate", "", events / exposure, low, high, exposure, events,
                        float(defaults.vars["total_termination_rate"]),
                        method="leavers / Jan 1 actives; Clopper-Pearson"))
    kinds = {"age": _bands(defaults, "age"), "tenure": _bands(defaults, "tenure")}
    references = {kind: reference_band(defaults, kind, "termination_multiplier") for kind in kinds}
    # a year term: the engine scales each year's hazards to that year's total rate, so the hazards' level
    # moves from year to year with the workforce's mix; the multipliers are the ratios within a year
    model = fit_cell_model(cells, levels, kinds, references,
                           default_multipliers(defaults, kinds, references, "termination_multiplier"),
                           link="cloglog", by_year=True,
                           level_defaults={level: defaults.level(level, "termination_base_rate") for level in levels})
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
                            f"binomial GLM, cloglog link, year term: yearly hazard at the reference bands "
                            f"({references['age']}, {references['tenure']}) in the history's average year; "
                            "Wald on the log scale"))
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
            how = method
            if band == model.references[kind]:
                how = "reference band (1 by definition)"
            elif (kind, band) in model.weights:
                how = ("credibility: Z x observed/expected events at multiplier 1 + (1 - Z) x the default relative "
                       "to the reference band, Z = min(1, sqrt(events / 30)); interval: Z x the exact Poisson "
                       "interval + (1 - Z) x the default")
            out.append(Estimate(table[kind], column, f"{kind} {band}", coefficient.estimate, coefficient.low,
                                coefficient.high, margin[0], margin[1], default, pooled, how))
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
    model = fit_cell_model(cells, levels, kinds_fitted, references,
                           default_multipliers(defaults, kinds_fitted, references, "promotion_multiplier"),
                           level_defaults={level: sum(defaults.promotion(level, to) for to in levels)
                                           for level in levels})
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


CENT = 0.01  # pay is recorded to the cent


def _resolution(pay: np.ndarray) -> float:
    """How far a ratio of two pays recorded to the cent can be from the exact ratio: at most about
    CENT / pay; an interval of a raise is never narrower than the data can say."""
    return float(CENT / pay.min()) if len(pay) else 0.0


def raise_estimates(con, defaults: Defaults, levels: list[int], years: list[int]) -> tuple[list, dict, dict]:
    """Merit by level and COLA by year from the pay growth of stayers without a level change.

    The engine gives such a stayer merit(level) + COLA(year) on the raise date, so the median raise of each
    (level, year) cell is that sum. An additive two-way model, fitted by least squares weighted by the cells'
    counts, reproduces every cell; it identifies the differences between levels and between years, not a
    constant common to both (a raise every level gets every year could be merit or COLA). That constant is
    anchored explicitly: the stayer-weighted mean merit equals the shipped one. Intervals: each cell
    median's distribution-free interval as a normal error, carried through the least squares, widened by
    the pay's cent resolution; the anchor is taken as known."""
    rows = con.execute("""
        select level_at_start, snapshot_year, pay_at_end / pay_at_start - 1, pay_at_start from person_years
        where outcome = 'stayed' and level_at_end = level_at_start order by all""").fetchall()
    if not rows:
        return [], {}, {}
    level_of = np.array([r[0] for r in rows])
    year_of = np.array([r[1] for r in rows])
    raise_of = np.array([r[2] for r in rows], dtype=float)
    pay_of = np.array([r[3] for r in rows], dtype=float)
    cells = []  # (level, year, median, standard error, count)
    for level in levels:
        for year in years[:-1]:
            mask = (level_of == level) & (year_of == year)
            if mask.any():
                median, low, high = stats.median_interval(raise_of[mask])
                cells.append((level, year, median, (high - low) / (2 * stats.Z), int(mask.sum())))
    seen_levels = sorted({cell[0] for cell in cells})
    seen_years = sorted({cell[1] for cell in cells})
    # columns: a(level) for every seen level, c(year) for every seen year but the first (c(first) = 0)
    design = np.array([[1.0 if cell[0] == level else 0.0 for level in seen_levels]
                       + [1.0 if cell[1] == year else 0.0 for year in seen_years[1:]] for cell in cells])
    weights = np.array([cell[4] for cell in cells], dtype=float)
    solve = np.linalg.pinv(design.T @ (design * weights[:, None])) @ (design.T * weights)  # beta = solve @ medians
    counts = {level: int((level_of == level).sum()) for level in levels}
    total = sum(counts.values())
    shipped_mean = sum(defaults.level(level, "merit_rate") * counts[level] for level in levels) / total
    # merit(L) = a(L) - mean a + shipped mean; cola(t) = c(t) + mean a - shipped mean: rows of a linear map
    mean_a = np.array([counts[level] / total for level in seen_levels] + [0.0] * (len(seen_years) - 1))
    maps = {}
    for index, level in enumerate(seen_levels):
        row = np.zeros(design.shape[1])
        row[index] = 1.0
        maps[("merit", level)] = row - mean_a
    for index, year in enumerate(seen_years):
        row = np.zeros(design.shape[1])
        if index:
            row[len(seen_levels) + index - 1] = 1.0
        maps[("cola", year)] = row + mean_a
    medians = np.array([cell[2] for cell in cells])
    variance = np.diag(np.array([cell[3] for cell in cells]) ** 2)

    def linear(key: tuple, shift: float, mask: np.ndarray) -> tuple[float, float, float]:
        vector = maps[key] @ solve
        value = float(vector @ medians) + shift
        half = stats.Z * math.sqrt(max(float(vector @ variance @ vector), 0.0)) + _resolution(pay_of[mask])
        return value, value - half, value + half

    anchor = ("the split between merit and COLA is not identifiable from snapshots: anchored so that the mean "
              "merit of the stayers is the shipped one")
    out, merit, cola = [], {}, {}
    for level in levels:
        default = defaults.level(level, "merit_rate")
        if level not in seen_levels:
            merit[level] = default
            out.append(Estimate("job_levels.csv", "merit_rate", f"level {level}", default, math.nan, math.nan, 0, 0,
                                default, "no stayers at this level: default kept", "default"))
            continue
        estimate, low, high = linear(("merit", level), shipped_mean, level_of == level)
        pooled = ""
        if counts[level] < stats.MIN_EXPOSURE:
            pooled = f"{counts[level]} stayers: merit of all levels"
            estimate = shipped_mean
        if estimate < 0:
            pooled, estimate = "negative net merit clipped to 0", 0.0
        merit[level] = estimate
        out.append(Estimate("job_levels.csv", "merit_rate", f"level {level}", estimate, low, high, counts[level],
                            counts[level], default, pooled,
                            "median raise of each (level, year) of the stayers in level, two-way additive least "
                            f"squares merit(level) + COLA(year); {anchor}; interval: the cells' order-statistic "
                            "intervals carried through, widened by the cent"))
    shipped_cola = {int(row["simulation_year"]): float(row["cola_rate"]) for row in defaults.cola}
    for year in seen_years:
        mask = year_of == year
        estimate, low, high = linear(("cola", year), -shipped_mean, mask)
        cola[year] = estimate
        out.append(Estimate("cola_rates.csv", "cola_rate", str(year), estimate, low, high, int(mask.sum()),
                            int(mask.sum()), shipped_cola.get(year, float(defaults.vars["default_cola_rate"])), "",
                            f"the year's term of the two-way least squares (see merit_rate); {anchor}"))
    if cola:
        values = np.array(list(cola.values()))
        out.append(Estimate("workforce", "default_cola_rate", "", float(values.mean()), float(values.min()),
                            float(values.max()), total, total, float(defaults.vars["default_cola_rate"]), "",
                            "mean of the fitted yearly COLA (for the projected years); interval: range of the years"))
    return out, merit, cola


def promotion_increase(con, defaults: Defaults, merit: dict, cola: dict) -> Estimate:
    """Pay growth of stayers promoted (level up), net of the merit of the new level and the year's COLA. The
    engine clamps a promoted pay into the new level's band: a pay that lands on the band's minimum or maximum
    says only that the raise took it there or beyond, so it is left out."""
    default = float(defaults.vars["promotion_increase"])
    rows = con.execute("""
        select p.level_at_end, p.snapshot_year, p.pay_at_end, p.pay_at_start, j.min_compensation,
            j.max_compensation
        from person_years as p inner join job_level_bands as j
            on p.level_at_end = j.job_level and p.snapshot_year = j.year
        where p.outcome = 'stayed' and p.level_at_end > p.level_at_start order by all""").fetchall()
    if not rows:
        return Estimate("workforce", "promotion_increase", "", default, math.nan, math.nan, 0, 0, default,
                        "no promotion seen: default kept", "default")
    promoted = np.array([end / (1 + merit.get(level, 0.0) + cola.get(year, 0.0))
                         for level, year, end, _, _, _ in rows], dtype=float)
    start = np.array([row[3] for row in rows], dtype=float)
    low_edge = np.array([row[4] for row in rows], dtype=float)
    high_edge = np.array([row[5] for row in rows], dtype=float)
    inside = (np.abs(promoted - low_edge) > 2 * CENT) & (np.abs(promoted - high_edge) > 2 * CENT)
    values = promoted[inside] / start[inside] - 1
    clamped = int((~inside).sum())
    if len(values) == 0:
        return Estimate("workforce", "promotion_increase", "", default, math.nan, math.nan, len(rows), 0, default,
                        f"all {clamped} promotions landed on a band edge: default kept", "default")
    low, high = stats.bootstrap(values, np.median)
    widen = _resolution(start[inside]) * 2
    pooled = "" if len(values) >= stats.MIN_EVENTS else f"{len(values)} promotions: default kept"
    estimate = float(np.median(values)) if not pooled else default
    return Estimate("workforce", "promotion_increase", "", max(estimate, 0.0), low - widen, high + widen, len(rows),
                    len(values), default, pooled,
                    f"median pay growth of the promoted, net of merit and COLA, leaving out the {clamped} whose pay "
                    "was clamped to the new band's minimum or maximum; bootstrap, widened by the cent")


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
        select least(1, greatest(0, (hires.annual_compensation - bands.min_compensation)
            / (bands.max_compensation - bands.min_compensation)))
        from hires inner join job_level_bands as bands
            on hires.job_level = bands.job_level and hires.interval_year = bands.year
        order by 1""").fetchall()], dtype=float)
    pay_range = (0.0, 1.0)
    if len(positions) >= 2:
        n = len(positions)
        smallest, largest = float(positions.min()), float(positions.max())
        spread = largest - smallest
        pay_range = (max(0.0, smallest - spread / (n - 1)), min(1.0, largest + spread / (n - 1)))
        gap_low, gap_high = stats.uniform_end_gaps(n, spread)
        intervals = ((max(0.0, smallest - gap_high), max(0.0, smallest - gap_low)),
                     (min(1.0, largest + gap_low), min(1.0, largest + gap_high)))
        for index, label in enumerate(("low", "high")):
            out.append(Estimate("workforce", "new_hire_pay_range", label, pay_range[index], *intervals[index], n, n,
                                float(index), "", "uniform end points: min/max of the hires' band positions "
                                "widened by the range/(n-1); interval: the distance from the sample's end to the "
                                "uniform's end, exact Beta(1, n) quantiles"))
    return out, pay_range


def enrollment_estimates(con, defaults: Defaults, match_rate: float | None = None) -> tuple[list, dict]:
    """Voluntary enrollment and opt-out by the enrollment profile's age bands; the deferral-rate mix; with the
    history plan's match-maximizing rate, the share of new voluntary enrollees exactly at it (match_response.csv),
    and the deferral-rate mix of the others."""
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
    design = defaults.plan_design
    auto_new_hires = design["is_auto_enroll"] == "true" and design["auto_enroll_scope"] == "new_hires"
    auto_everyone = design["is_auto_enroll"] == "true" and design["auto_enroll_scope"] != "new_hires"
    first_year = con.execute("select min(snapshot_year) from snapshots").fetchone()[0]
    # candidates for a voluntary enrollment in the year: stayers not deferring on Jan 1, eligible by the year's
    # end, and not due an automatic enrollment (which the plan design gives a hire of the history, or everyone,
    # who never enrolled)
    automatic = ("false" if not (auto_new_hires or auto_everyone) else
                 f"(enrollment_at_start is null and (hire_date >= make_date({first_year}, 1, 1)"
                 f"{' or true' if auto_everyone else ''}))")
    candidates = (f"outcome = 'stayed' and coalesce(deferral_at_start, 0) = 0 "
                  f"and age_at_end >= {float(design['min_eligibility_age'])} "
                  f"and service_days_at_end >= {int(design['eligibility_service_days'])} and not {automatic}")
    voluntary = dict((key, (exp, ev)) for key, exp, ev in con.execute(f"""
        select case {case} else '{keys[-1]}' end, count(*), sum(case when deferral_at_end > 0 then 1 else 0 end)
        from person_years
        where {candidates}
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
        from (select *, age_at_enrollment as age_years from hires
              where is_enrolled_in_interval and not has_left
                  and enrollment_date + {int(design["opt_out_window_days"])} < make_date(interval_year + 1, 1, 1))
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
    at_match = "false" if match_rate is None else f"abs(deferral_at_end - {match_rate!r}) < {MATCH_RATE_TOLERANCE!r}"
    responses, fitted["enrollee_match_share"] = match_response_estimates(con, defaults, candidates, at_match)
    out += responses
    grid = [float(row["deferral_rate"]) for row in defaults.deferral_rates]
    # the enrollees at the match-maximizing rate are the match response's (above): the mix is of the others
    rates = [r[0] for r in con.execute(f"""
        select deferral_at_end from person_years
        where {candidates} and deferral_at_end > 0 and not ({at_match})""").fetchall()]
    counts = [0] * len(grid)
    for rate in rates:
        counts[min(range(len(grid)), key=lambda i: (abs(grid[i] - rate), i))] += 1
    shares = _shares("voluntary_deferral_rates.csv", "weight", [(f"rate {g:g}", c) for g, c in zip(grid, counts,
                                                                                                   strict=True)],
                     [float(row["weight"]) for row in defaults.deferral_rates],
                     "new voluntary enrollees' rates, but those at the match-maximizing rate (nearest rate of the "
                     "shipped grid)",
                     empty="no new voluntary enrollee: default kept")
    out += shares
    fitted["deferral_rates"] = list(zip(grid, [s.estimate for s in shares], strict=True)) if rates else None
    return out, fitted


# a deferral rate equal to the match-maximizing rate (rates are fractions to 6 decimals)
MATCH_RATE_TOLERANCE = 5e-7


def match_response_estimates(con, defaults: Defaults, candidates: str, at_match: str) -> tuple[list, dict | None]:
    """match_response.csv: by its age bands (age on Jan 1 of the interval), the share of new voluntary enrollees
    (the candidates of enrollment_estimates who defer a year later) at exactly the history plan's match-maximizing
    rate (`at_match`: SQL, "false" without one); thin bands take the share of all ages. move_up_share needs a
    change of match formula, which a history under one plan does not show: its default is kept."""
    bands = [(float(row["min_age"]), float(row["max_age"])) for row in defaults.match_response]
    keys = [f"{low:g}-{high:g}" for low, high in bands]
    case = " ".join(f"when age_years < {high} then '{key}'" for (_, high), key in zip(bands, keys, strict=True))
    out: list[Estimate] = []
    if at_match == "false":
        for key, row in zip(keys, defaults.match_response, strict=True):
            default = float(row["enrollee_match_share"])
            out.append(Estimate("match_response.csv", "enrollee_match_share", f"age {key}", default, math.nan,
                                math.nan, 0, 0, default, "the history's plan has no match: default kept", "default"))
        fitted = None
    else:
        counts = dict((key, (n, k)) for key, n, k in con.execute(f"""
            select case {case} else '{keys[-1]}' end, count(*), sum(case when {at_match} then 1 else 0 end)
            from person_years where {candidates} and deferral_at_end > 0 group by all""").fetchall())
        all_n = sum(n for n, _ in counts.values())
        all_k = sum(k for _, k in counts.values())
        fitted = {}
        for key, row in zip(keys, defaults.match_response, strict=True):
            default = float(row["enrollee_match_share"])
            n, k = counts.get(key, (0, 0))
            if not all_n:
                estimate, low, high, pooled = default, math.nan, math.nan, "no new voluntary enrollee: default kept"
            elif _thin(k, n):
                estimate = all_k / all_n
                low, high = stats.clopper_pearson(int(all_k), int(all_n))
                pooled = f"{k} events, {n} exposure: share of all ages"
            else:
                estimate, pooled = k / n, ""
                low, high = stats.clopper_pearson(int(k), int(n))
            fitted[key] = estimate
            out.append(Estimate("match_response.csv", "enrollee_match_share", f"age {key}", estimate, low, high, n,
                                k, default, pooled, "default" if not all_n else
                                "new voluntary enrollees at exactly the history plan's match-maximizing rate / new "
                                "voluntary enrollees; Clopper-Pearson"))
    for key, row in zip(keys, defaults.match_response, strict=True):
        default = float(row["move_up_share"])
        out.append(Estimate("match_response.csv", "move_up_share", f"age {key}", default, math.nan, math.nan, 0, 0,
                            default, "not identifiable: the history's plan never changed its match; default kept",
                            "default"))
    return out, fitted
