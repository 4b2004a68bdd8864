"""The inference engine shared by the analyses: few-cluster-valid inference.

* :func:`cluster_ols`, :func:`cluster_mean`, :func:`wald_test`,
  :func:`cluster_mean_se` (the closed-form intercept-only CR2, many columns) -- least
  squares with CR2 (default), CR1S or CR0 cluster-robust covariance,
  Satterthwaite degrees of freedom and the HTZ joint test (clubSandwich).
* :func:`wild_cluster_bootstrap` -- wild cluster restricted bootstrap of a
  CR1 t statistic, p-value and test-inversion confidence interval.
* :func:`randomization_test`, :func:`did_randomization_test` -- randomisation
  inference over assignments of clusters to treatment (one assignment
  generator, :func:`cluster_assignments`, and one tie rule, ``TIE_RTOL``).
* :func:`invert_p_value` -- confidence bounds by test inversion (bisection
  on a p-value function), used by the bootstrap and randomisation tests.
* :func:`holm`, :func:`bh`, :func:`adjust_p` -- multiplicity adjustment, as
  R's ``p.adjust``.
* :func:`cluster_share`, :func:`share_conf_int` -- shares with intervals
  on the logit scale, which stay inside [0, 1].
* :func:`tidy` -- stack results into the package's output-table contract.
"""

from __future__ import annotations

from ._invert import invert_p_value
from .bootstrap import (
    BOOTSTRAP_WEIGHTS,
    BootstrapResult,
    BootstrapWeights,
    bootstrap_weight_matrix,
    wild_cluster_bootstrap,
)
from .cluster import (
    VCOV_TYPES,
    WALD_TESTS,
    ClusterOLSResult,
    ContrastResult,
    VcovType,
    WaldResult,
    WaldTestType,
    cluster_mean,
    cluster_mean_se,
    cluster_ols,
    wald_test,
)
from .multiplicity import ADJUSTMENTS, Adjustment, adjust_p, bh, holm
from .randomization import (
    ALTERNATIVES,
    MAX_ENUMERATE,
    RI_STATISTICS,
    TIE_RTOL,
    Alternative,
    RandomizationResult,
    RiStatistic,
    cluster_assignments,
    did_randomization_test,
    randomization_test,
)
from .share import SHARE_CI_METHODS, cluster_share, share_conf_int
from .table import TABLE_COLUMNS, make_table, tidy

__all__ = [
    "ADJUSTMENTS",
    "ALTERNATIVES",
    "BOOTSTRAP_WEIGHTS",
    "MAX_ENUMERATE",
    "RI_STATISTICS",
    "SHARE_CI_METHODS",
    "TABLE_COLUMNS",
    "TIE_RTOL",
    "VCOV_TYPES",
    "WALD_TESTS",
    "Adjustment",
    "Alternative",
    "BootstrapResult",
    "BootstrapWeights",
    "ClusterOLSResult",
    "ContrastResult",
    "RandomizationResult",
    "RiStatistic",
    "VcovType",
    "WaldResult",
    "WaldTestType",
    "adjust_p",
    "bh",
    "bootstrap_weight_matrix",
    "cluster_assignments",
    "cluster_mean",
    "cluster_mean_se",
    "cluster_ols",
    "cluster_share",
    "did_randomization_test",
    "holm",
    "invert_p_value",
    "make_table",
    "randomization_test",
    "share_conf_int",
    "tidy",
    "wald_test",
    "wild_cluster_bootstrap",
]
