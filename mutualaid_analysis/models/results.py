"""Results of the ordinal (cumulative link) models of willingness.

:class:`OrdinalResult` is what :func:`~mutualaid_analysis.models.fit_ordinal`
returns, and what the cumulative link *mixed* model returns too: both share
the parametrisation of R's ``MASS::polr`` / ``ordinal::clm``

.. math::

   \\operatorname{link} P(Y_i \\le j) = \\theta_j - x_i'\\beta, \\qquad j = 1..K-1,

so that a positive :math:`\\beta` means *more* willing (higher answers).  The
result holds the thresholds :math:`\\theta`, the coefficients :math:`\\beta`
and their covariance, builds the tidy table (thresholds, circle effects,
covariates, interactions, and any extra rows such as variance components),
and computes predicted category probabilities and the expected answer per
circle (and per moderator level) with delta-method intervals.

This module also holds what both models share: the link functions, the
allowed values of ``link`` and ``vcov``, and :class:`ConvergenceError`.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast, get_args

import numpy as np
import pandas as pd
from scipy import special, stats

from .._params import check_conf_level
from ..exceptions import ConvergenceError, ConvergenceWarning, UsageError
from ..results import Result, contract_frame
from .design import OrdinalDesign

__all__ = [
    "LINKS",
    "VCOV_TYPES",
    "ConvergenceError",
    "ConvergenceWarning",
    "Link",
    "LinkFunctions",
    "OrdinalResult",
    "VcovType",
    "check_choice",
    "link_functions",
    "ordinal_result",
]

#: Link functions of the cumulative link models (one source for hint and check).
Link = Literal["logit", "probit"]
LINKS: tuple[Link, ...] = get_args(Link)

#: Covariance types: clustered by village, clustered by respondent, model-based.
VcovType = Literal["cluster", "respondent", "model"]
_Choice = TypeVar("_Choice", bound=str)
VCOV_TYPES: tuple[str, ...] = get_args(VcovType)


def check_choice(value: Any, allowed: Sequence[_Choice], what: str) -> _Choice:
    """Return ``value`` if it is one of ``allowed``, else raise a :class:`UsageError`."""
    if not isinstance(value, str) or value not in allowed:
        raise UsageError(f"{what} must be one of {list(allowed)}; got {value!r}.")
    return cast(_Choice, value)  # one of allowed


# --------------------------------------------------------------------------- links


@dataclass(frozen=True)
class LinkFunctions:
    """A symmetric latent distribution: cdf ``F``, density ``f`` and ``f'``.

    All three take numpy arrays; ``F`` accepts ``±inf``, ``f`` and ``df``
    must be given finite arguments (the callers mask the infinite
    thresholds of the extreme categories).
    """

    name: str
    cdf: Callable[[np.ndarray], np.ndarray]
    pdf: Callable[[np.ndarray], np.ndarray]
    dpdf: Callable[[np.ndarray], np.ndarray]
    ppf: Callable[[np.ndarray], np.ndarray]
    label: str


def _logistic_pdf(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # e^{-|z|} / (1 + e^{-|z|})^2, no overflow
    return e / (1.0 + e) ** 2


def _logistic_dpdf(z: np.ndarray) -> np.ndarray:
    return _logistic_pdf(z) * -np.tanh(z / 2.0)  # f(z) (1 - 2F(z))


_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _normal_pdf(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z * z) / _SQRT_2PI


def _normal_dpdf(z: np.ndarray) -> np.ndarray:
    return -z * _normal_pdf(z)


_LINKS: dict[str, LinkFunctions] = {
    "logit": LinkFunctions(
        "logit", special.expit, _logistic_pdf, _logistic_dpdf, special.logit, "cumulative logit"
    ),
    "probit": LinkFunctions(
        "probit", special.ndtr, _normal_pdf, _normal_dpdf, special.ndtri, "cumulative probit"
    ),
}


def link_functions(link: str) -> LinkFunctions:
    """The :class:`LinkFunctions` of ``link`` (``"logit"`` or ``"probit"``)."""
    return _LINKS[check_choice(link, LINKS, "link")]


# --------------------------------------------------------------------------- predictions


def _mean_cumprob(
    theta: np.ndarray, beta: np.ndarray, X: np.ndarray, lf: LinkFunctions
) -> tuple[np.ndarray, np.ndarray]:
    """Mean over rows of P(Y <= j), j = 1..K-1, and its gradient wrt (theta, beta)."""
    eta = X @ beta
    z = theta[None, :] - eta[:, None]  # n x (K-1)
    cum = lf.cdf(z).mean(axis=0)
    dens = lf.pdf(z)  # n x (K-1)
    m = len(theta)
    grad = np.zeros((m, m + len(beta)))
    grad[np.arange(m), np.arange(m)] = dens.mean(axis=0)
    grad[:, m:] = -(X.T @ dens).T / X.shape[0]
    return cum, grad


def prob_from_cum(cum: np.ndarray, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Category probabilities (K) and their gradient from the cumulative ones (K-1)."""
    m = len(cum)
    D = np.zeros((m + 1, m))  # P_k = C_k - C_{k-1}, C_0 = 0, C_K = 1
    D[np.arange(m), np.arange(m)] = 1.0
    D[np.arange(1, m + 1), np.arange(m)] = -1.0
    prob = D @ cum
    prob[-1] += 1.0
    return prob, D @ grad


@dataclass(frozen=True)
class _PredictionSpec:
    """What is needed to set a row's circle and moderator level."""

    circles: list[str]
    circle_cols: dict[str, int]  # circle (not the baseline) -> column of X
    moderator_cols: dict[str, list[int]]  # moderator -> its main-effect columns
    interaction_cols: list[tuple[int, int, int]]  # (column, circle column, main column)
    moderator_levels: dict[str, list[tuple[str, np.ndarray]]]  # name -> (label, values)


def _prediction_spec(
    design: OrdinalDesign, moderator_levels: Mapping[str, list[tuple[str, np.ndarray]]]
) -> _PredictionSpec:
    terms = design.terms
    col = {t: i for i, t in enumerate(terms)}
    ranks = design.data[["circle", "circle_rank"]].drop_duplicates().sort_values("circle_rank")
    circles = [str(c) for c in ranks["circle"]]
    circle_cols = {c: col[f"circle[{c}]"] for c in circles[1:] if f"circle[{c}]" in col}
    moderator_cols: dict[str, list[int]] = {}
    for name in moderator_levels:
        moderator_cols[name] = [
            i
            for i, t in enumerate(terms)
            if design.term_kinds.get(t) == "covariate" and (t == name or t.startswith(f"{name}["))
        ]
    interaction_cols = []
    for i, t in enumerate(terms):
        if design.term_kinds.get(t) != "interaction":
            continue
        left, right = t.split(":", 1)
        interaction_cols.append((i, col[left], col[right]))
    return _PredictionSpec(
        circles,
        circle_cols,
        moderator_cols,
        interaction_cols,
        {k: list(v) for k, v in moderator_levels.items()},
    )


def set_rows(
    X: np.ndarray,
    spec: _PredictionSpec,
    circle: str,
    moderator: str | None,
    values: np.ndarray | None,
) -> np.ndarray:
    """Rows of ``X`` with the circle (and a moderator's level) set, interactions redone."""
    Z = X.copy()
    for c, j in spec.circle_cols.items():
        Z[:, j] = 1.0 if c == circle else 0.0
    if moderator is not None and values is not None:
        for j, v in zip(spec.moderator_cols[moderator], values, strict=True):
            Z[:, j] = v
    for j, jc, jm in spec.interaction_cols:
        Z[:, j] = Z[:, jc] * Z[:, jm]
    return Z


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True, eq=False, repr=False)
class OrdinalResult(Result):
    """A fitted cumulative link model of willingness (fixed or mixed).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per parameter: ``kind`` (``threshold``, ``circle``,
        ``service``, ``covariate``, ``interaction``; a mixed model adds
        ``variance``), then the contract columns ``term, estimate,
        std_error, statistic, df, p_value, conf_low, conf_high, n, method``
        (``n`` = answers modelled), and for the logit link
        ``odds_ratio, odds_ratio_low, odds_ratio_high`` (exp of estimate and
        interval; missing for thresholds).  Thresholds are named ``"1|2"``,
        ``"2|3"``, ... after the response codes.
    params : pandas.Series
        Thresholds then coefficients, indexed by term.
    cov : pandas.DataFrame
        Their covariance (the one named in ``method``).
    link : {"logit", "probit"}
    vcov : {"cluster", "respondent", "model"}
        The covariance used.
    df : float
        Degrees of freedom of the t reference distribution (``inf`` = normal).
    converged : bool
    design : OrdinalDesign
        The design the model was fitted to.
    tables : dict
        ``"predicted"``: predicted category probabilities and the expected
        answer per circle (and moderator level); see :meth:`predicted`.
        ``"excluded"``: answers not modelled and why.
    info : dict
        ``n_answers, n_respondents, n_villages, loglik, aic, bic,
        converged, iterations, wave, service, n_excluded, link, vcov, df,
        small_sample_factor, covariates, moderators``.
    """

    def plot(self, ax: Any = None, lang: str = "zh", **kwargs: Any) -> Any:
        """Predicted answers by circle (see :func:`mutualaid_analysis.plots.predicted_probabilities`)."""
        from ..plots import predicted_probabilities

        return predicted_probabilities(self, ax=ax, lang=lang, **kwargs)


    params: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    cov: pd.DataFrame = field(default_factory=pd.DataFrame)
    link: str = "logit"
    vcov: str = "cluster"
    df: float = math.inf
    converged: bool = True
    design: OrdinalDesign | None = None
    conf_level: float = 0.95
    method: str = ""
    spec: _PredictionSpec | None = field(default=None, repr=False)
    model_result_factory: Callable[[], Any] | None = field(default=None, repr=False)

    # ------------------------------------------------------------ parameters
    @property
    def n_thresholds(self) -> int:
        return int((self.table["kind"] == "threshold").sum()) if len(self.table) else 0

    @property
    def thresholds(self) -> pd.Series:
        """The thresholds :math:`\\theta_j` (``"1|2"``, ...)."""
        return self.params.iloc[: self.n_thresholds]

    @property
    def coef(self) -> pd.Series:
        """The coefficients :math:`\\beta` (circle, service, covariate, interaction terms)."""
        return self.params.iloc[self.n_thresholds :]

    @functools.cached_property
    def model_result(self) -> Any:
        """The fit as a statsmodels ``OrderedResults`` (built on first access).

        For :func:`fit_ordinal` this is a
        ``statsmodels.miscmodels.ordinal_model.OrderedModel`` on the same
        data, holding these estimates (in statsmodels' parametrisation:
        coefficients, then the first threshold and log increments) and this
        covariance transformed by the delta method, with ``df_resid`` set to
        the t degrees of freedom used here.  ``None`` when the model has no
        statsmodels counterpart.
        """
        return None if self.model_result_factory is None else self.model_result_factory()

    # ------------------------------------------------------------ predictions
    def _split(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        m = self.n_thresholds
        values = self.params.to_numpy(dtype=float)
        return values[:m], values[m:], self.cov.to_numpy(dtype=float)[: len(values), : len(values)]

    def predict_proba(self, X: np.ndarray | pd.DataFrame | None = None) -> pd.DataFrame:
        """Predicted probability of each answer for rows of a design matrix.

        Parameters
        ----------
        X : array or DataFrame, optional
            Rows of the design matrix (columns = the model's terms, in order,
            or a DataFrame with those column names).  Default: the rows
            fitted.  For a mixed model these are conditional on random
            effects of zero.

        Returns
        -------
        pandas.DataFrame
            One column per response code, rows summing to 1.
        """
        theta, beta, _ = self._split()
        if self.design is None:
            raise UsageError("this result holds no design; pass X.")
        terms = list(self.coef.index)
        if X is None:
            Xm = self.design.X
        elif isinstance(X, pd.DataFrame):
            missing = [t for t in terms if t not in X.columns]
            if missing:
                raise UsageError(f"X lacks the terms {missing}; the terms are {terms}.")
            Xm = X[terms].to_numpy(dtype=float)
        else:
            Xm = np.atleast_2d(np.asarray(X, dtype=float))
            if Xm.shape[1] != len(terms):
                raise UsageError(f"X must have {len(terms)} columns ({terms}); got {Xm.shape[1]}.")
        lf = link_functions(self.link)
        cum = lf.cdf(theta[None, :] - (Xm @ beta)[:, None])
        prob = np.diff(np.column_stack([np.zeros(len(Xm)), cum, np.ones(len(Xm))]), axis=1)
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(prob, columns=list(self.design.categories), index=index)

    def predicted(
        self, at: Literal["average", "means", "both"] = "both", *, conf_level: float | None = None
    ) -> pd.DataFrame:
        """Predicted answer probabilities and expected answer per circle (and moderator level).

        Parameters
        ----------
        at : {"both", "average", "means"}, default "both"
            ``"average"``: average predicted probabilities -- every answer
            modelled is given the circle (and moderator level) in turn, and
            its predicted probabilities are averaged (the sample's own mix
            of covariates and services).  ``"means"``: probabilities of one
            profile with the other covariates (and service dummies) at their
            sample means.  ``"both"``: both, stacked.
        conf_level : float, optional
            Default: the fit's.

        Returns
        -------
        pandas.DataFrame
            Columns ``at, circle, moderator, level, category`` (``moderator``
            and ``level`` are missing when the model has no moderator; a
            numeric moderator is shown at its mean and mean ± 1 SD), then
            the contract columns with ``term`` = ``"P(Y=k)"`` or ``"E[Y]"``
            (the expected answer on the response codes), and ``label`` (the
            answer's value label).  Intervals come from the delta method with
            the fit's covariance and t(df): on the logit scale for
            probabilities (so they stay within 0..1), on the answer scale
            for the mean.  ``statistic`` and ``p_value`` are missing (there
            is no null value to test).
        """
        check_choice(at, ("average", "means", "both"), "at")
        if self.design is None or self.spec is None:
            raise UsageError("this result holds no design to predict from.")
        level = self.conf_level if conf_level is None else check_conf_level(conf_level)
        kinds = ["average", "means"] if at == "both" else [at]
        theta, beta, V = self._split()
        lf = link_functions(self.link)
        spec = self.spec
        codes = np.asarray(self.design.categories, dtype=float)
        labels = list(self.design.category_labels)
        q = (
            stats.t.ppf(0.5 + level / 2, self.df)
            if np.isfinite(self.df)
            else stats.norm.ppf(0.5 + level / 2)
        )
        X = self.design.X
        covariate_means = X.mean(axis=0, keepdims=True)
        settings: list[tuple[str | None, str | None, np.ndarray | None]] = [(None, None, None)]
        if spec.moderator_levels:
            settings = [
                (m, lab, vals)
                for m, levels in spec.moderator_levels.items()
                for lab, vals in levels
            ]
        rows = []
        n = self.design.n
        for kind in kinds:
            base = X if kind == "average" else covariate_means
            for moderator, lab, vals in settings:
                for circle in spec.circles:
                    Z = set_rows(base, spec, circle, moderator, vals)
                    cum, g = _mean_cumprob(theta, beta, Z, lf)
                    prob, gp = prob_from_cum(cum, g)
                    mean, gm = codes @ prob, codes @ gp
                    ident = {"at": kind, "circle": circle, "moderator": moderator, "level": lab}
                    for k, (p, gk) in enumerate(zip(prob, gp, strict=True)):
                        se = float(np.sqrt(max(gk @ V @ gk, 0.0)))
                        lo, hi = logit_interval(p, se, q)
                        rows.append(
                            {
                                **ident,
                                "category": code(codes[k]),
                                "term": f"P(Y={code(codes[k])})",
                                "estimate": p,
                                "std_error": se,
                                "df": self.df,
                                "conf_low": lo,
                                "conf_high": hi,
                                "n": n,
                                "method": self._pred_method(kind),
                                "label": labels[k],
                            }
                        )
                    se = float(np.sqrt(max(gm @ V @ gm, 0.0)))
                    rows.append(
                        {
                            **ident,
                            "category": "mean",
                            "term": "E[Y]",
                            "estimate": mean,
                            "std_error": se,
                            "df": self.df,
                            "conf_low": mean - q * se,
                            "conf_high": mean + q * se,
                            "n": n,
                            "method": self._pred_method(kind),
                            "label": "expected answer",
                        }
                    )
        return contract_frame(rows, ["at", "circle", "moderator", "level", "category"], ["label"])

    def _pred_method(self, kind: str) -> str:
        how = (
            "average predicted probability"
            if kind == "average"
            else "predicted probability at covariate means"
        )
        return f"{how}; delta method, {self.method}"

    # ------------------------------------------------------------ display
    def _facts(self) -> list[str]:
        i = self.info
        parts = [f"answers {i.get('n_answers')}", f"respondents {i.get('n_respondents')}"]
        if i.get("n_villages") is not None:
            parts.append(f"villages {i.get('n_villages')}")
        if self.loglik is not None:
            parts.append(
                f"log-likelihood {self.loglik:.3f}, AIC {i['aic']:.1f}, BIC {i['bic']:.1f}"
            )
        parts.append("converged" if self.converged else "NOT CONVERGED")
        return [f"Method: {self.method}", "; ".join(parts)]

    def _predicted_wide(self) -> pd.DataFrame | None:
        pred = self.tables.get("predicted")
        if pred is None or len(pred) == 0:
            return None
        avg = pred[pred["at"] == "average"] if (pred["at"] == "average").any() else pred
        index = ["circle"] if avg["moderator"].isna().all() else ["moderator", "level", "circle"]
        wide = avg.pivot_table(
            index=index, columns="term", values="estimate", sort=False, dropna=False
        )
        return wide.reset_index()

    def summary(self) -> str:
        """Plain text: title, fit facts, the coefficient table, predicted means, notes."""
        cols = ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]
        if "odds_ratio" in self.table.columns:
            cols.append("odds_ratio")
        with pd.option_context(
            "display.max_columns", 30, "display.width", 140, "display.max_colwidth", 60
        ):
            body = self.table[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}")
            wide = self._predicted_wide()
            pred = (
                None
                if wide is None
                else wide.to_string(index=False, float_format=lambda v: f"{v:.3f}")
            )
        parts = [self.title, "=" * len(self.title), *self._facts(), "", body]
        if pred is not None:
            parts += ["", "Average predicted probabilities and expected answer:", pred]
        if self.notes:
            parts.append("")
            parts.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        facts = "".join(f"<p>{html.escape(f)}</p>" for f in self._facts())
        wide = self._predicted_wide()
        pred = (
            ""
            if wide is None
            else (
                "<p><strong>Average predicted probabilities and expected answer</strong></p>"
                + wide.to_html(index=False, float_format=lambda v: f"{v:.3f}", border=0)
            )
        )
        base = super()._repr_html_()
        # insert the facts after the title, the predictions before the notes
        head, sep, rest = base.partition("</h4>")
        body = f"{head}{sep}{facts}{rest}" if sep else f"<div>{facts}{base[5:]}"
        return body[: -len("</div>")] + pred + "</div>"


def code(value: float) -> int | float:
    """A category code as the codebook writes it: an int when whole, else the float."""
    return int(value) if float(value).is_integer() else value


def logit_interval(p: float, se: float, q: float) -> tuple[float, float]:
    """Interval for a probability ``p`` (delta-method ``se``) on the logit scale, ``q`` the quantile."""
    if not 0.0 < p < 1.0 or not np.isfinite(se):
        return (float("nan"), float("nan"))
    s = se / (p * (1.0 - p))
    lp = special.logit(p)
    return float(special.expit(lp - q * s)), float(special.expit(lp + q * s))


def ordinal_result(
    design: OrdinalDesign,
    theta: np.ndarray,
    beta: np.ndarray,
    cov: np.ndarray,
    *,
    link: str,
    vcov: str,
    df: float,
    method: str,
    title: str,
    info: Mapping[str, Any],
    notes: Sequence[str] = (),
    converged: bool = True,
    moderator_levels: Mapping[str, list[tuple[str, np.ndarray]]] | None = None,
    extra_rows: Sequence[Mapping[str, Any]] = (),
    conf_level: float = 0.95,
    model_result_factory: Callable[[], Any] | None = None,
) -> OrdinalResult:
    """Assemble an :class:`OrdinalResult` from estimates (shared by the fixed and mixed models).

    Parameters
    ----------
    design : OrdinalDesign
    theta, beta : numpy.ndarray
        Thresholds (K-1) and coefficients (one per ``design.terms``).
    cov : numpy.ndarray
        Covariance of ``(theta, beta)``.
    link, vcov : str
    df : float
        t degrees of freedom for the intervals and p-values (``inf``: normal).
    method : str
        The ``method`` column (estimator, covariance, reference distribution).
    title : str
    info : mapping
    notes : sequence of str
    converged : bool
    moderator_levels : mapping, optional
        Moderator -> list of (label, values of its main-effect columns) at
        which to predict.
    extra_rows : sequence of mapping
        Further table rows (e.g. ``kind="variance"`` rows of a mixed model),
        already in contract form.
    conf_level : float
    model_result_factory : callable, optional
        Builds the statsmodels counterpart on first access of ``model_result``.
    """
    theta = np.asarray(theta, dtype=float)
    beta = np.asarray(beta, dtype=float)
    cov = np.asarray(cov, dtype=float)
    codes = [code(c) for c in design.categories]
    th_names = [f"{codes[k]}|{codes[k + 1]}" for k in range(len(theta))]
    names = [*th_names, *design.terms]
    kinds = ["threshold"] * len(theta) + [
        design.term_kinds.get(t, "covariate") for t in design.terms
    ]
    est = np.concatenate([theta, beta])
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = est / se
    finite = np.isfinite(df)
    dist = stats.t(df) if finite else stats.norm
    p = 2.0 * dist.sf(np.abs(stat))
    q = dist.ppf(0.5 + conf_level / 2)
    lo, hi = est - q * se, est + q * se
    n = design.n
    rows = []
    for i, name in enumerate(names):
        row = {
            "kind": kinds[i],
            "term": name,
            "estimate": est[i],
            "std_error": se[i],
            "statistic": stat[i],
            "df": df,
            "p_value": p[i],
            "conf_low": lo[i],
            "conf_high": hi[i],
            "n": n,
            "method": method,
        }
        if link == "logit" and kinds[i] != "threshold":
            row.update(
                odds_ratio=math.exp(est[i]),
                odds_ratio_low=math.exp(lo[i]),
                odds_ratio_high=math.exp(hi[i]),
            )
        rows.append(row)
    rows.extend(dict(r) for r in extra_rows)
    extra = ["odds_ratio", "odds_ratio_low", "odds_ratio_high"] if link == "logit" else []
    table = contract_frame(rows, ["kind"], extra)
    params = pd.Series(est, index=names, name="estimate")
    cov_frame = pd.DataFrame(cov, index=names, columns=names)
    spec = _prediction_spec(design, moderator_levels or {})
    result = OrdinalResult(
        table=table,
        title=title,
        notes=tuple(notes),
        tables={"excluded": design.excluded},
        info=dict(info),
        params=params,
        cov=cov_frame,
        link=link,
        vcov=vcov,
        df=df,
        converged=converged,
        design=design,
        conf_level=conf_level,
        method=method,
        spec=spec,
        model_result_factory=model_result_factory,
    )
    tables = {"predicted": result.predicted("both"), "excluded": design.excluded}
    return dataclasses.replace(result, tables=tables)
