"""The result of :func:`~mutualaid_analysis.models.fit_ordinal_mixed`.

:class:`OrdinalMixedResult` extends the cumulative link model's
:class:`~mutualaid_analysis.models.results.OrdinalResult` (same table,
thresholds ``"1|2"``, ``"2|3"``, ..., effect names, predictions), so that
:func:`~mutualaid_analysis.models.compare_models` takes either; it adds the
random-effect standard deviations (rows ``sd(respondent)``, ``sd(village)``
of kind ``"random"``), the likelihood facts, population-averaged
predictions and the conditional modes of the random effects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .results import OrdinalResult

__all__ = ["OrdinalMixedResult"]


@dataclass(frozen=True, eq=False, repr=False)
class OrdinalMixedResult(OrdinalResult):
    """A fitted cumulative link mixed model of willingness.

    Everything of :class:`~mutualaid_analysis.models.results.OrdinalResult`
    (``params`` and ``cov`` hold the thresholds and effects; ``predicted()``
    and ``tables["predicted"]`` are *conditional* on random effects of
    zero), plus:

    Attributes
    ----------
    table : pandas.DataFrame
        As for the fixed-effects model (kind, contract columns, odds ratios
        for the logit link), plus one row per random-effect SD: term
        ``sd(respondent)`` / ``sd(village)``, kind ``"random"``, the
        estimate, its delta-method standard error and an interval computed
        on the log scale; no statistic or p-value (a Wald test of SD = 0 is
        invalid on the boundary: use
        :func:`~mutualaid_analysis.models.compare_models`).  ``n`` of these
        rows is the number of groups.
    random : tuple of str
        The grouping factors (``("respondent",)``, ``("village",)`` or
        ``("respondent", "village")``, respondents nested in villages).
    log_sd : pandas.Series
        Log standard deviations, indexed ``log sd(respondent)``, ...
    full_cov : pandas.DataFrame
        Covariance of thresholds, effects and log SDs (inverse observed
        information).
    loglik, aic, bic : float
        The log-likelihood as approximated (adaptive Gauss-Hermite or
        Laplace), AIC and BIC (n = answers, as ``ordinal::clmm``).
    nobs, n_parameters : int
        Answers modelled; thresholds + effects + SDs.
    tables : dict
        ``"predicted"`` (conditional on random effects 0),
        ``"population_averaged"`` (the same layout, averaged over the
        random-effect distribution), ``"random_effects"`` (conditional
        modes and SDs per respondent / village), ``"excluded"``.
    """

    random: tuple[str, ...] = ()
    log_sd: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    full_cov: pd.DataFrame = field(default_factory=pd.DataFrame)
    loglik: float = float("nan")
    aic: float = float("nan")
    bic: float = float("nan")
    nobs: int = 0
    n_parameters: int = 0

    @property
    def random_sd(self) -> pd.Series:
        """Random-effect standard deviations (``sd(respondent)``, ``sd(village)``)."""
        t = self.table[self.table["kind"] == "random"]
        return pd.Series(t["estimate"].to_numpy(), index=t["term"].to_numpy(), name="estimate")

    @property
    def population_averaged(self) -> pd.DataFrame:
        """Predictions averaged over the random effects (``tables["population_averaged"]``)."""
        return self.tables["population_averaged"]

    @property
    def random_effects(self) -> pd.DataFrame:
        """Conditional modes of the random effects (``tables["random_effects"]``)."""
        return self.tables["random_effects"]

    def _facts(self) -> list[str]:
        facts = super()._facts()
        i = self.info
        groups = ", ".join(f"{k} {v}" for k, v in (i.get("n_groups") or {}).items())
        sds = ", ".join(f"{k} = {v:.3g}" for k, v in self.random_sd.items())
        facts.insert(1, f"Random intercepts: {' + '.join(self.random)} ({groups}); {sds}")
        return facts

    def _predicted_wide(self) -> pd.DataFrame | None:
        wide = super()._predicted_wide()
        pa = self.tables.get("population_averaged")
        if wide is None or pa is None or len(pa) == 0:
            return wide
        mean = pa.loc[pa["term"] == "E[Y]", "estimate"].to_numpy()
        if len(mean) == len(wide):
            wide = wide.copy()
            wide.insert(len(wide.columns), "E[Y] (population-averaged)", mean)
        return wide
