"""Write the data that ``clm.R`` reads: the bundled sample's long ordinal design.

Run from the repository root::

    python tests/reference/make_clm_data.py
    Rscript tests/reference/clm.R > tests/reference/clm_values.json

``clm_data.csv`` holds one row per answered willingness item of the baseline
wave of :func:`mutualaid_analysis.load_sample` (synthetic data, seed
20240501): respondent id, village code, circle, service, the answer ``y``
(1-5) and the covariates ``age``, ``sex`` (0 男 / 1 女), ``lives_alone``
(0 否 / 1 是) and ``n_migrated``, exactly the rows and values
``ordinal_design(sample, ["age", "sex", "n_migrated"], ["lives_alone"])``
models.  ``tests/test_clm.py`` checks that the file still matches the sample.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import mutualaid_analysis as ma
from mutualaid_analysis.models import ordinal_design

COVARIATES = ["age", "sex", "n_migrated", "lives_alone"]
COLUMNS = ["resp_id", "village", "circle", "service", "y", *COVARIATES]


def make() -> pd.DataFrame:
    design = ordinal_design(ma.load_sample(), COVARIATES[:3], [COVARIATES[3]])
    d = design.data
    frame = pd.DataFrame(
        {
            "resp_id": d["resp_id"].astype(str).to_numpy(),
            "village": d["village"].astype(int).to_numpy(),
            "circle": d["circle"].astype(str).to_numpy(),
            "service": d["service"].astype(str).to_numpy(),
            "y": d["answer"].astype(int).to_numpy(),
        }
    )
    for name in COVARIATES:
        frame[name] = d[name].astype(int).to_numpy()
    return frame[COLUMNS]


if __name__ == "__main__":
    make().to_csv(Path(__file__).with_name("clm_data.csv"), index=False)
