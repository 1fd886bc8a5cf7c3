"""The fit's outputs: the assumption tables (checked before anything is written), the scenario file, and the
report (fit.md, fit.html, estimates.csv). Everything is staged in a temporary folder and moved into place
only when complete, so a refused or failed fit leaves the previous files as they were. No personal data:
the report names rows by file and line, never by id."""

from __future__ import annotations

import csv
import io
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import yaml

from planalign.errors import PlanAlignError
from planalign.fit.estimate import Defaults, Estimate
from planalign.fit.stats import LEVEL, MIN_EVENTS, MIN_EXPOSURE

if TYPE_CHECKING:
    from planalign.fit.run import FitResult

TEMPLATES = Path(__file__).resolve().parent.parent / "reports" / "templates"
DIGITS = 6
# allowed ranges of the scenario settings (docs/rules.md)
SETTING_RANGES = {"total_termination_rate": (0.0, 0.9), "new_hire_termination_rate": (0.0, 0.9),
                  "target_growth_rate": (-0.5, 1.0), "promotion_increase": (0.0, 1.0),
                  "default_cola_rate": (-0.1, 0.2)}


@dataclass(frozen=True)
class Outputs:
    root: Path
    name: str

    @property
    def assumptions(self) -> Path:
        return self.root / "assumptions" / self.name

    @property
    def scenario(self) -> Path:
        return self.root / "scenarios" / f"{self.name}.yml"

    @property
    def report(self) -> Path:
        return self.root / "reports" / "fit" / self.name

    def refuse_overwrite(self, force: bool) -> None:
        existing = [path for path in (self.assumptions, self.scenario) if path.exists()]
        if existing and not force:
            shown = ", ".join(str(path.relative_to(self.root)) for path in existing)
            raise PlanAlignError(f"the fit '{self.name}' already exists ({shown})",
                                 hint="choose another NAME, or replace it with FORCE=1 (make fit ... FORCE=1)")


def _number(value: float) -> str:
    text = f"{round(value, DIGITS):.{DIGITS}f}"
    return "0.000000" if text == "-0.000000" else text


def _unit_weights(weights: list[float]) -> list[str]:
    """Weights rounded to DIGITS decimals that add up to exactly 1 (largest remainder)."""
    scale = 10 ** DIGITS
    total = sum(weights)
    raw = [w / total * scale for w in weights]
    units = [math.floor(r) for r in raw]
    for index in sorted(range(len(raw)), key=lambda i: (-(raw[i] - units[i]), i))[:scale - sum(units)]:
        units[index] += 1
    return [f"{u / scale:.{DIGITS}f}" for u in units]


def _pick(estimates: list[Estimate], table: str, name: str) -> dict[str, float]:
    return {e.key: e.estimate for e in estimates if e.table == table and e.name == name}


def assemble_tables(estimates: list[Estimate], defaults: Defaults, levels: list[int], merit: dict, cola: dict,
                    enrollment: dict | None, pay_range: tuple[float, float],
                    bands: tuple[float, int] = (0.0, 0)) -> tuple[dict, dict]:
    """The CSV tables in the layout of the seeds they replace, and the workforce settings; refused in one line
    when a value cannot be simulated. `bands` is (pay_band_increase, years from the first snapshot to the last):
    the fitted scenario starts in the last snapshot's year, so job_levels holds the bands as they stand then."""
    band_rate, band_years = bands

    def moved(bound: str) -> str:
        return f"{round(float(bound) * (1 + band_rate) ** band_years, 2):.2f}" if band_rate and band_years else bound

    tables: dict[str, list[list[str]]] = {}
    base = _pick(estimates, "job_levels.csv", "termination_base_rate")
    merit_rates = _pick(estimates, "job_levels.csv", "merit_rate")
    hire_weights = _unit_weights([_pick(estimates, "job_levels.csv", "new_hire_weight")[f"level {lv}"]
                                  for lv in levels])
    tables["job_levels.csv"] = [["job_level", "level_name", "min_compensation", "max_compensation",
                                 "termination_base_rate", "merit_rate", "new_hire_weight"]]
    for row, weight in zip(defaults.levels, hire_weights, strict=True):
        key = f"level {row['job_level']}"
        tables["job_levels.csv"].append([row["job_level"], row["level_name"], moved(row["min_compensation"]),
                                         moved(row["max_compensation"]), _number(base[key]),
                                         _number(merit_rates.get(key, float(row["merit_rate"]))), weight])
    for kind, seed_rows in (("age", defaults.age_bands), ("tenure", defaults.tenure_bands)):
        file = f"hazard_{kind}_bands.csv"
        termination = _pick(estimates, file, "termination_multiplier")
        promotion = _pick(estimates, file, "promotion_multiplier")
        tables[file] = [[f"{kind}_band", f"min_{kind}", f"max_{kind}", "termination_multiplier",
                         "promotion_multiplier"]]
        for row in seed_rows:
            key = f"{kind} {row[f'{kind}_band']}"
            tables[file].append([row[f"{kind}_band"], row[f"min_{kind}"], row[f"max_{kind}"],
                                 _number(termination[key]), _number(promotion[key])])
    tables["promotion_transitions.csv"] = [["from_level", "to_level", "base_rate"]] + [
        [*e.key.split("->"), _number(e.estimate)]
        for e in estimates if e.table == "promotion_transitions.csv" and e.estimate > 0]
    ages = _pick(estimates, "new_hire_age_mix.csv", "weight")
    age_weights = _unit_weights([ages[f"age {row['age']}"] for row in defaults.age_mix])
    tables["new_hire_age_mix.csv"] = [["age", "weight"]] + [[row["age"], weight]
                                                            for row, weight in zip(defaults.age_mix, age_weights,
                                                                                   strict=True)]
    tables["cola_rates.csv"] = [["simulation_year", "cola_rate"]] + [[str(year), _number(rate)]
                                                                     for year, rate in sorted(cola.items())]
    tables["enrollment_behavior.csv"] = [["enrollment_profile_id", "min_age", "max_age", "opt_out_rate",
                                          "voluntary_enrollment_rate"]]
    for row in defaults.enrollment:
        key = f"{float(row['min_age']):g}-{float(row['max_age']):g}"
        fitted = enrollment if enrollment and row["enrollment_profile_id"] == "standard" else None
        opt_out = fitted["opt_out_rate"][key] if fitted else float(row["opt_out_rate"])
        voluntary = fitted["voluntary_enrollment_rate"][key] if fitted else float(row["voluntary_enrollment_rate"])
        tables["enrollment_behavior.csv"].append([row["enrollment_profile_id"], row["min_age"], row["max_age"],
                                                  _number(opt_out), _number(voluntary)])
    mix = (enrollment or {}).get("deferral_rates") or [(float(r["deferral_rate"]), float(r["weight"]))
                                                      for r in defaults.deferral_rates]
    tables["voluntary_deferral_rates.csv"] = [["deferral_rate", "weight"]] + [
        [_number(rate), weight] for (rate, _), weight in zip(mix, _unit_weights([w for _, w in mix]), strict=True)]
    shares = (enrollment or {}).get("enrollee_match_share") or {}
    tables["match_response.csv"] = [["min_age", "max_age", "enrollee_match_share", "move_up_share"]]
    for row in defaults.match_response:
        key = f"{float(row['min_age']):g}-{float(row['max_age']):g}"
        tables["match_response.csv"].append([row["min_age"], row["max_age"],
                                             _number(shares.get(key, float(row["enrollee_match_share"]))),
                                             _number(float(row["move_up_share"]))])
    workforce = {e.name: e.estimate for e in estimates if e.table == "workforce" and not e.key}
    settings = {name: round(workforce[name], DIGITS) + 0.0 for name in  # + 0.0: no "-0.0" in the scenario
                ("total_termination_rate", "new_hire_termination_rate", "target_growth_rate", "promotion_increase",
                 "default_cola_rate") if name in workforce}
    settings["new_hire_pay_range"] = [round(float(pay_range[0]), DIGITS), round(float(pay_range[1]), DIGITS)]
    settings["pay_band_increase"] = band_rate
    check_tables(tables, settings)
    return tables, settings


def _refuse(what: str, hint: str = "look at the estimate's row in the fit report; a history of a few hundred "
                                    "employees may be too small to fit this table") -> None:
    raise PlanAlignError(f"the fitted {what}", hint=hint, exit_code=1)


def check_tables(tables: dict[str, list[list[str]]], settings: dict) -> None:
    """What the engine needs: rates in [0, 1], multipliers >= 0, weights >= 0 summing to 1, promotion
    probabilities of one level summing to at most 1 in every age and tenure band, settings in range."""
    def column(file: str, name: str) -> list[float]:
        header, *rows = tables[file]
        return [float(row[header.index(name)]) for row in rows]

    for file, name in (("job_levels.csv", "termination_base_rate"), ("job_levels.csv", "merit_rate"),
                       ("promotion_transitions.csv", "base_rate"), ("enrollment_behavior.csv", "opt_out_rate"),
                       ("enrollment_behavior.csv", "voluntary_enrollment_rate"),
                       ("match_response.csv", "enrollee_match_share"), ("match_response.csv", "move_up_share")):
        for value in column(file, name):
            if not 0 <= value <= 1:
                _refuse(f"{name} {value} in {file} is outside [0, 1]")
    for file in ("hazard_age_bands.csv", "hazard_tenure_bands.csv"):
        for name in ("termination_multiplier", "promotion_multiplier"):
            if any(not (0 <= value < 1000) for value in column(file, name)):
                _refuse(f"{name} in {file} is negative or not finite")
    for file, name in (("job_levels.csv", "new_hire_weight"), ("new_hire_age_mix.csv", "weight"),
                       ("voluntary_deferral_rates.csv", "weight")):
        values = column(file, name)
        if any(value < 0 for value in values) or abs(sum(values) - 1) > 1e-9:
            _refuse(f"weights {name} in {file} do not sum to 1")
    age_max = max(column("hazard_age_bands.csv", "promotion_multiplier"))
    tenure_max = max(column("hazard_tenure_bands.csv", "promotion_multiplier"))
    by_level: dict[str, float] = {}
    for from_level, _, rate in tables["promotion_transitions.csv"][1:]:
        by_level[from_level] = by_level.get(from_level, 0.0) + float(rate)
    for from_level, total in sorted(by_level.items()):
        if total * age_max * tenure_max > 1:
            _refuse(f"promotion probabilities of level {from_level} reach {total * age_max * tenure_max:.3f} "
                    "(> 1) in the most promotable age and tenure bands")
    for name, (low, high) in SETTING_RANGES.items():
        if name in settings and not low <= settings[name] <= high:
            _refuse(f"workforce.{name} {settings[name]} is outside its allowed range [{low}, {high}]")
    low, high = settings["new_hire_pay_range"]
    if not 0 <= low <= high <= 1:
        _refuse(f"workforce.new_hire_pay_range [{low}, {high}] is not within [0, 1]")


def csv_text(rows: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _shown(value: float | None, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}f}"


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _path_text(path: Path, root: Path) -> str:
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(root.resolve()))
    except ValueError:
        return str(resolved)


def scenario_text(result: FitResult, settings: dict) -> str:
    history = result.history
    first, last = history.years[0], history.years[-1]
    scenario = {
        "scenario_id": result.name,
        "extends": "baseline",
        "description": f"Assumptions fitted from {len(history.years)} yearly snapshots ({first}-{last}).",
        "assumptions": f"assumptions/{result.name}",
        "start_year": last,
        "end_year": last + 4,
        "census_path": _path_text(history.snapshots[-1].path, result.outputs.root),
        # the history's hires are the plan's new hires, as the fit reads them (voluntary enrollment leaves out
        # those the design enrolls automatically): the projection enrolls the ones not yet enrolled
        "census_new_hires_since": f"{first}-01-01",
        "workforce": settings,
    }
    if result.history_plan:
        scenario["census_plan_design"] = result.history_plan
    files = " ".join(snapshot.path.name for snapshot in history.snapshots)
    header = (f"# Fitted by `planalign fit` from {files}: every value, its interval and the default it replaces\n"
              f"# are in reports/fit/{result.name}/fit.md. Projects five years from the last snapshot, the state on\n"
              f"# Jan 1 {last} (docs/fitting.md).\n")
    return header + yaml.safe_dump(scenario, sort_keys=False, default_flow_style=None)


ESTIMATE_COLUMNS = ["table", "name", "key", "estimate", "low_90", "high_90", "exposure", "events", "default",
                    "pooled", "method"]


def estimates_csv(estimates: list[Estimate]) -> str:
    rows = [ESTIMATE_COLUMNS]
    for e in estimates:
        row = e.row()
        rows.append([_number(v) if isinstance(v, float) and not math.isnan(v)
                     else ("" if v is None or (isinstance(v, float) and math.isnan(v)) else v)
                     for v in (row[c] for c in ESTIMATE_COLUMNS)])
    return csv_text(rows)


def report_context(result: FitResult) -> dict:
    history = result.history
    return {
        "name": result.name,
        "level": f"{LEVEL:.0%}",
        "min_events": MIN_EVENTS,
        "min_exposure": f"{MIN_EXPOSURE:.0f}",
        "snapshots": [{"file": s.path.name, "year": s.year, "sha256": s.sha256, "rows": f"{s.rows:,}"}
                      for s in history.snapshots],
        "person_years": f"{history.person_years:,}",
        "convention": history.convention,
        "leavers": f"{history.leavers_by_date + history.leavers_by_absence:,}",
        "flagged": history.flagged,
        "notes": result.notes,
        "pooled": result.pooled,
        "estimates": [{"table": e.table, "name": e.name, "key": e.key, "estimate": _shown(e.estimate),
                       "interval": (f"{_shown(e.low)} – {_shown(e.high)}" if not math.isnan(e.low) else "–"),
                       "exposure": _count(e.exposure), "events": _count(e.events), "default": _shown(e.default),
                       "pooled": e.pooled or "no", "method": e.method} for e in result.estimates],
    }


def report_markdown(context: dict) -> str:
    lines = [f"# Fit report: {context['name']}", "",
             "Assumptions fitted from a yearly census history (method: docs/fitting.md). No personal data: rows "
             "are named by file and line.", "", "## History", "",
             "| file | year (Jan 1) | rows | sha256 |", "|---|---|---|---|"]
    lines += [f"| {s['file']} | {s['year']} | {s['rows']} | `{s['sha256']}` |" for s in context["snapshots"]]
    lines += ["", f"- person-years (employees active on Jan 1 of a year followed to the next snapshot): "
              f"{context['person_years']}", f"- leavers: {context['leavers']}",
              f"- leaver convention: {context['convention']}",
              f"- pooled or shrunk estimates (< {context['min_events']} events or < {context['min_exposure']} "
              f"exposure; a band multiplier is shrunk toward its default, weight Z = min(1, sqrt(events / "
              f"{context['min_events']}))): {context['pooled']}",
              f"- flagged rows (new in a snapshot without a hire date in the year before; kept out of the "
              f"new-hire statistics): {len(context['flagged'])}"]
    lines += [f"  - {f['file']} row {f['row']}: {f['reason']}" for f in context["flagged"]]
    lines += [f"- note: {note}" for note in context["notes"]]
    lines += ["", "## Estimates", "", f"Intervals are {context['level']} intervals; the method column says which.",
              "", "| table | name | key | estimate | 90% interval | exposure | events | default | pooled | method |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {e['table']} | {e['name']} | {e['key']} | {e['estimate']} | {e['interval']} | {e['exposure']} | "
              f"{e['events']} | {e['default']} | {e['pooled']} | {e['method']} |" for e in context["estimates"]]
    return "\n".join(lines) + "\n"


def report_html(context: dict) -> str:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                     autoescape=jinja2.select_autoescape(["html", "j2"]))
    return environment.get_template("fit.html.j2").render(**context)


def write_outputs(outputs: Outputs, tables: dict, settings: dict, result: FitResult) -> None:
    """Stage every file, then move the three destinations into place (replacing them only with FORCE)."""
    stage = outputs.root / ".fit_staging" / outputs.name
    shutil.rmtree(stage, ignore_errors=True)
    try:
        (stage / "assumptions").mkdir(parents=True)
        (stage / "report").mkdir()
        for file, rows in tables.items():
            (stage / "assumptions" / file).write_text(csv_text(rows))
        (stage / "scenario.yml").write_text(scenario_text(result, settings))
        context = report_context(result)
        (stage / "report" / "fit.md").write_text(report_markdown(context))
        (stage / "report" / "fit.html").write_text(report_html(context))
        (stage / "report" / "estimates.csv").write_text(estimates_csv(result.estimates))
        for source, target in ((stage / "assumptions", outputs.assumptions), (stage / "report", outputs.report)):
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            source.replace(target)
        outputs.scenario.parent.mkdir(parents=True, exist_ok=True)
        (stage / "scenario.yml").replace(outputs.scenario)
    except OSError as exc:
        raise PlanAlignError(f"could not write the fit '{outputs.name}': {exc}",
                             hint="check the folders are writable and the disk has room") from None
    finally:
        shutil.rmtree(outputs.root / ".fit_staging", ignore_errors=True)
