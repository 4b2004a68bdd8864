"""The inference engine shared by the analyses: few-cluster-valid inference.

* :func:`cluster_ols`, :func:`cluster_mean`, :func:`wald_test` -- least
  squares with CR2 (default), CR1S or CR0 cluster-robust covariance,
  Satterthwaite degrees of freedom and the HTZ joint test (clubSandwich).
* :func:`wild_cluster_bootstrap` -- wild cluster restricted bootstrap of a
  CR1 t statistic, p-value and test-inversion confidence interval.
* :func:`randomization_test` -- randomisation inference over assignments of
  clusters to treatment.
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
from .table import TABLE_COLUMNS, make_table, tidy

__all__ = [
    "ALTERNATIVES",
    "BOOTSTRAP_WEIGHTS",
    "MAX_ENUMERATE",
    "RI_STATISTICS",
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
    "make_table",
    "randomization_test",
    "tidy",
    "wald_test",
    "wild_cluster_bootstrap",
]
