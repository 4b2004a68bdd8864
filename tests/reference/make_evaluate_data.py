"""Write the data that ``evaluate.R`` reads (fixed seed; committed).

Run from the repository root::

    python tests/reference/make_evaluate_data.py
    Rscript tests/reference/evaluate.R > tests/reference/evaluate_values.json

``evaluate_data.csv`` is a synthetic two-wave survey,
``simulate_survey(seed=20240917, n_villages=10, per_village=25,
village_size="poisson")`` (5 workshop and 5 comparison villages of unequal
sizes, 8-12% attrition): one row per respondent and wave with the village,
arm, wave, age, sex, the GSES sum score (empty when any of the 10 items is
missing) and the daily-care willingness items toward relatives, friends and
other villagers (1-5, empty when missing).  ``evaluate_codebook.toml``
describes it; the tests read it with that codebook, so the reference does not
depend on how the package scores scales.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import mutualaid_analysis as ma

SEED = 20240917
HERE = Path(__file__).resolve().parent


def make() -> pd.DataFrame:
    survey, _ = ma.simulate_survey(seed=SEED, n_villages=10, per_village=25, village_size="poisson")
    d = survey.data
    items = [f"gses_{j:02d}" for j in range(1, 11)]
    block = d[items].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    out = pd.DataFrame(
        {
            "resp_id": d["resp_id"].astype(str),
            "village": d["village"].astype(int),
            "arm": d["arm"].astype(str),
            "wave": d["wave"].astype(str),
            "age": d["age"].astype(int),
            "sex": d["sex"].astype(int),
            "gses": block.sum(axis=1),
            "will_rel": d["will_rel_care"],
            "will_fri": d["will_fri_care"],
            "will_vil": d["will_vil_care"],
        }
    )
    return out


if __name__ == "__main__":
    frame = make()
    frame.to_csv(HERE / "evaluate_data.csv", index=False, float_format="%.0f")
    print(f"wrote {len(frame)} rows to {HERE / 'evaluate_data.csv'}")
