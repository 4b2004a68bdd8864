"""Write the data that ``clmm.R`` reads (committed; regenerate only on purpose).

Run from the repository root::

    python tests/reference/make_clmm_data.py
    Rscript tests/reference/clmm.R > tests/reference/clmm_values.json

``clmm_data.csv`` is the baseline wave of a survey drawn by
``mutualaid_analysis.simulate_survey(seed=20240923, n_villages=10,
per_village=30, waves=1)``, reduced to the columns the reference models
use: respondent and village, age, sex (0 男 / 1 女), lives alone (0/1) and
the three daily-care willingness items (relatives, friends, other
villagers; 1-5, with the simulator's 98/99 missing codes).  It is read in
Python with ``clmm_codebook.toml``; R reshapes it to one row per answer and
drops the missing codes.  Synthetic data: no real person is described.
"""

from __future__ import annotations

from pathlib import Path

import mutualaid_analysis as ma

SEED = 20240923
COLUMNS = [
    "resp_id",
    "village",
    "age",
    "sex",
    "lives_alone",
    "will_rel_care",
    "will_fri_care",
    "will_vil_care",
]


def make():
    survey, _ = ma.simulate_survey(seed=SEED, n_villages=10, per_village=30, waves=1)
    raw = survey.data[COLUMNS].copy()
    for col in ["will_rel_care", "will_fri_care", "will_vil_care"]:
        raw[col] = raw[col].astype("Int64")
    return raw


if __name__ == "__main__":
    frame = make()
    # Missing answers are written as 98, the survey's "don't know" code (the codebook
    # declares it), so that the file reads like any survey export.
    frame = frame.fillna(98)
    frame.to_csv(Path(__file__).with_name("clmm_data.csv"), index=False)
