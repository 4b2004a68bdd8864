"""Write the data that ``psych_alpha.R`` reads: the sample's baseline GSES items.

Run from the repository root::

    python tests/reference/make_psych_alpha_data.py
    Rscript tests/reference/psych_alpha.R > tests/reference/psych_alpha_values.json

``psych_alpha_data.csv`` holds the respondent id, the village code and the
ten GSES items (codes 1-4; none is reverse-keyed) of every respondent of the
baseline ("pre") wave of :func:`mutualaid_analysis.load_sample` (synthetic
data, seed 20240501) who answered all ten items: the complete cases that
:func:`mutualaid_analysis.evaluation.reliability` analyses.
``tests/test_scales.py`` checks that the file still matches the sample.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import mutualaid_analysis as ma

HERE = Path(__file__).parent


def make() -> pd.DataFrame:
    survey = ma.load_sample()
    items = [v.name for v in survey.codebook.scale_items("gses")]
    pre = survey.wave("pre")
    d = pre[["resp_id", "village", *items]].dropna().reset_index(drop=True)
    d["resp_id"] = d["resp_id"].astype(str)
    for col in ["village", *items]:
        d[col] = d[col].astype(int)
    return d


if __name__ == "__main__":
    make().to_csv(HERE / "psych_alpha_data.csv", index=False, lineterminator="\n")
