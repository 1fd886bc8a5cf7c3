"""The interval methods and the rate model, from statsmodels and scipy (no hand-written numerics beyond
reading their results)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from planalign.errors import PlanAlignError

LEVEL = 0.90
ALPHA = 1 - LEVEL
Z = float(stats.norm.ppf(1 - ALPHA / 2))
# A cell with fewer events or less exposure than this is pooled toward its parent (docs/fitting.md).
MIN_EVENTS = 30
MIN_EXPOSURE = 100.0
BOOTSTRAP_DRAWS = 400
BOOTSTRAP_SEED = 20240101  # fixed: the same history gives the same intervals, byte for byte


def clopper_pearson(events: int, trials: int) -> tuple[float, float]:
    """Exact binomial 90% interval of events / trials."""
    if trials <= 0:
        return (math.nan, math.nan)
    low, high = proportion_confint(events, trials, alpha=ALPHA, method="beta")
    return (float(low), float(high))


def wilson(events: int, trials: int) -> tuple[float, float]:
    """Wilson score 90% interval of a share."""
    if trials <= 0:
        return (math.nan, math.nan)
    low, high = proportion_confint(events, trials, alpha=ALPHA, method="wilson")
    return (float(low), float(high))


def median_interval(values: np.ndarray) -> tuple[float, float, float]:
    """The median and its distribution-free 90% interval from binomial ranks (order statistics)."""
    values = np.sort(values)
    n = len(values)
    if n == 0:
        return (math.nan, math.nan, math.nan)
    low_rank = int(stats.binom.ppf(ALPHA / 2, n, 0.5))
    high_rank = int(stats.binom.ppf(1 - ALPHA / 2, n, 0.5))
    return (float(np.median(values)), float(values[max(low_rank - 1, 0)]), float(values[min(high_rank, n - 1)]))


def bootstrap(values: np.ndarray, statistic, draws: int = BOOTSTRAP_DRAWS) -> tuple[float, float]:
    """Percentile bootstrap 90% interval of statistic(values), with a fixed seed."""
    if len(values) == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    results = np.sort([statistic(values[rng.integers(0, len(values), size=len(values))]) for _ in range(draws)])
    return (float(np.quantile(results, ALPHA / 2)), float(np.quantile(results, 1 - ALPHA / 2)))


@dataclass(frozen=True)
class Coefficient:
    estimate: float  # exp(coefficient): a rate (level terms) or a multiplier (band terms)
    low: float
    high: float


@dataclass
class RateModel:
    """A fitted GLM: every coefficient exponentiated with its 90% Wald interval, the raw coefficients and their
    covariance (for combinations of them), and the model's expected events per row."""

    coefficients: dict[str, Coefficient]
    params: dict[str, float]
    covariance: np.ndarray
    names: list[str]
    expected: np.ndarray

    def __getitem__(self, name: str) -> Coefficient:
        return self.coefficients[name]

    def get(self, name: str, default: Coefficient) -> Coefficient:
        return self.coefficients.get(name, default)

    def combination(self, weights: dict[str, float]) -> Coefficient:
        """exp(sum of weight x coefficient), with its 90% Wald interval from the covariance."""
        vector = np.array([weights.get(name, 0.0) for name in self.names])
        value = float(vector @ np.array([self.params[name] for name in self.names]))
        error = math.sqrt(max(float(vector @ self.covariance @ vector), 0.0))
        return Coefficient(math.exp(value), math.exp(value - Z * error), math.exp(value + Z * error))


def rate_model(columns: list[str], design: np.ndarray, events: np.ndarray, exposure: np.ndarray,
               link: str = "log") -> RateModel:
    """A GLM of events out of exposure (person-years), every coefficient exponentiated with its 90% Wald
    interval on the log scale.

    link "log": Poisson with a log(exposure) offset; exp(coefficient) is a rate, or a rate ratio. Exact for a
    probability that is a product of factors (the engine's promotions).
    link "cloglog": binomial with the complementary log-log link, log(-log(1 - p)) = linear predictor;
    exp(coefficient) is a yearly hazard, or a hazard ratio. Exact for the engine's terminations, which leave
    when an exponential clock -ln(u) / hazard runs out within the year: p = 1 - exp(-T x hazard)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if link == "cloglog":
                family = sm.families.Binomial(link=sm.families.links.CLogLog())
                result = sm.GLM(np.column_stack([events, exposure - events]), design, family=family).fit()
                expected = np.asarray(result.fittedvalues) * exposure
            else:
                result = sm.GLM(events, design, family=sm.families.Poisson(), offset=np.log(exposure)).fit()
                expected = np.asarray(result.fittedvalues)
        except (ValueError, np.linalg.LinAlgError) as exc:
            raise PlanAlignError(f"the rate model ({', '.join(columns[:3])}, ...) could not be fitted: {exc}",
                                 hint="the history is too small or too uneven for this table; fit a longer "
                                      "history", exit_code=1) from None
    params, errors = np.asarray(result.params), np.asarray(result.bse)
    coefficients = {name: Coefficient(math.exp(params[i]), math.exp(params[i] - Z * errors[i]),
                                      math.exp(params[i] + Z * errors[i]))
                    for i, name in enumerate(columns)}
    return RateModel(coefficients, {name: float(params[i]) for i, name in enumerate(columns)},
                     np.asarray(result.cov_params()), list(columns), expected)


def uniform_end_gaps(n: int, spread: float) -> tuple[float, float]:
    """The 90% range of the gap between the smallest (or largest) of n uniform draws and the uniform's end:
    gap / width ~ Beta(1, n), width estimated by spread x (n + 1) / (n - 1). A bootstrap cannot give it (a
    resampled minimum is never below the sample's)."""
    width = spread * (n + 1) / (n - 1)
    return (float(stats.beta.ppf(ALPHA / 2, 1, n)) * width, float(stats.beta.ppf(1 - ALPHA / 2, 1, n)) * width)


def credibility(events: float) -> float:
    """The limited-fluctuation credibility weight of a cell with `events` events: Z = min(1, sqrt(n / n_full))
    with n_full = MIN_EVENTS, the events at which a rate's 90% interval is about +-30% ((1.645 / 0.30)^2 = 30)."""
    return min(1.0, math.sqrt(max(events, 0.0) / MIN_EVENTS))


def poisson_ratio(observed: float, expected: float) -> tuple[float, float]:
    """Exact (Garwood) 90% interval of observed / expected for a Poisson count `observed`."""
    if expected <= 0:
        return (math.nan, math.nan)
    low = stats.chi2.ppf(ALPHA / 2, 2 * observed) / 2 if observed > 0 else 0.0
    high = stats.chi2.ppf(1 - ALPHA / 2, 2 * (observed + 1)) / 2
    return (float(low) / expected, float(high) / expected)
