"""Write the synthetic data that ``clubsandwich.R`` reads (fixed seed; committed).

Run from the repository root::

    python tests/reference/make_clubsandwich_data.py
    Rscript tests/reference/clubsandwich.R > tests/reference/clubsandwich_values.json

``clubsandwich_data.csv``: 8 clusters (villages) of unequal sizes 3..25,
two respondent-level covariates, a cluster-level binary ``treat`` (4 of 8
clusters), positive weights ``w`` and an outcome with a cluster effect.
Values are rounded to 6 decimals so that R and Python read identical numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240611
SIZES = (3, 5, 8, 11, 14, 18, 21, 25)


def make() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    cluster = np.repeat(np.arange(1, len(SIZES) + 1), SIZES)
    n = cluster.size
    treat_by_cluster = np.array([1, 0, 1, 0, 0, 1, 1, 0])
    treat = treat_by_cluster[cluster - 1]
    x1 = rng.normal(size=n) + 0.5 * rng.normal(size=len(SIZES))[cluster - 1]
    x2 = rng.integers(1, 6, size=n).astype(float)
    w = rng.uniform(0.5, 2.0, size=n)
    u = rng.normal(scale=0.7, size=len(SIZES))[cluster - 1] + rng.normal(size=n) * (0.5 + 0.3 * x2)
    y = 2.0 + 0.4 * x1 - 0.2 * x2 + 0.3 * treat + u
    frame = pd.DataFrame(
        {"cluster": [f"v{c}" for c in cluster], "y": y, "x1": x1, "x2": x2, "treat": treat, "w": w}
    )
    return frame.round({"y": 6, "x1": 6, "w": 6})


if __name__ == "__main__":
    make().to_csv(Path(__file__).with_name("clubsandwich_data.csv"), index=False)
