"""The inference engine shared by the analyses: few-cluster-valid inference.

* :func:`cluster_ols`, :func:`cluster_mean`, :func:`wald_test` -- least
  squares with CR2 (default), CR1S or CR0 cluster-robust covariance,
  Satterthwaite degrees of freedom and the HTZ joint test (clubSandwich).
* :func:`wild_cluster_bootstrap` -- wild cluster restricted bootstrap of a
  CR1 t statistic, p-value and test-inversion confidence interval.
* :func:`randomization_test` -- randomisation inference over assignments of
  clusters to treatment.
* :func:`cluster_share`, :func:`share_conf_int` -- shares with intervals
  on the logit scale, which stay inside [0, 1].
* :func:`tidy` -- stack results into the package's output-table contract.
"""

from __future__ import annotations

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
    cluster_ols,
    wald_test,
)
from .randomization import (
    ALTERNATIVES,
    MAX_ENUMERATE,
    RI_STATISTICS,
    Alternative,
    RandomizationResult,
    RiStatistic,
    randomization_test,
)
from .share import SHARE_CI_METHODS, cluster_share, share_conf_int
from .table import TABLE_COLUMNS, make_table, tidy

__all__ = [
    "ALTERNATIVES",
    "BOOTSTRAP_WEIGHTS",
    "MAX_ENUMERATE",
    "RI_STATISTICS",
    "SHARE_CI_METHODS",
    "TABLE_COLUMNS",
    "VCOV_TYPES",
    "WALD_TESTS",
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
    "bootstrap_weight_matrix",
    "cluster_mean",
    "cluster_ols",
    "cluster_share",
    "make_table",
    "randomization_test",
    "share_conf_int",
    "tidy",
    "wald_test",
    "wild_cluster_bootstrap",
]
