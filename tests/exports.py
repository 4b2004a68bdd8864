"""Hand-written survey exports for the tests, written as survey platforms write them.

One builder for every test that needs a small export file: GBK-encoded CSV
with CRLF line ends and Chinese headers, its codebook beside it.  Each test
module keeps its own rows (its own villages, answers and missing codes); the
file format is written here only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["write_gbk_export"]


def write_gbk_export(
    folder: Path,
    name: str,
    rows: str | Sequence[str],
    codebook: str,
    *,
    codebook_name: str = "codebook.toml",
) -> tuple[Path, Path]:
    """Write ``rows`` as the GBK CSV ``folder/name`` and ``codebook`` beside it.

    Parameters
    ----------
    rows : str or sequence of str
        The CSV lines (header first), or the whole text with ``\\n`` line
        ends; either way written with CRLF line ends, a final one included
        for a sequence (a text is written as it is).
    codebook : str
        The codebook's TOML text (written as UTF-8).

    Returns
    -------
    (data, codebook) : tuple of pathlib.Path
    """
    data = folder / name
    text = rows.replace("\n", "\r\n") if isinstance(rows, str) else "\r\n".join(rows) + "\r\n"
    data.write_bytes(text.encode("gbk"))
    cb = folder / codebook_name
    cb.write_text(codebook, encoding="utf-8")
    return data, cb
