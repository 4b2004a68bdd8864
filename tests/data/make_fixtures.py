"""Write export_long.xlsx, the Excel version of export_long_gbk.csv.

Run from the top of the repository (``python tests/data/make_fixtures.py``);
the workbook comes out byte for byte the same on every run, and
tests/test_draft_exports.py checks that the committed copy matches.  The CSV
files beside it are written by hand (see README.md); only the workbook is
generated, because an .xlsx file cannot be.

The workbook looks like a survey platform's Excel export: one sheet, Chinese
headers in row 1, respondent ids stored as text (so 0101 keeps its leading
zero), whole numbers stored as numbers, answers as text, and the CSV's ``NA``
cells as the text ``NA``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "export_long_gbk.csv"
TARGET = HERE / "export_long.xlsx"
ID_COLUMN = "编号"
# A fixed time for the workbook properties and every zip entry (determinism).
STAMP = dt.datetime(2024, 5, 1, 9, 0, 0)


def workbook_bytes(source: Path = SOURCE) -> bytes:
    """The .xlsx file's bytes for the CSV at ``source``."""
    with source.open(encoding="gbk", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "导出数据"
    ws.append(header)
    id_at = header.index(ID_COLUMN)
    for row in body:
        cells: list[object] = []
        for i, text in enumerate(row):
            if text == "":
                cells.append(None)
            elif i != id_at and re.fullmatch(r"-?[0-9]+", text):
                cells.append(int(text))
            else:
                cells.append(text)
        ws.append(cells)
    wb.properties.created = STAMP
    wb.properties.modified = STAMP
    wb.properties.creator = "mutualaid_analysis tests"
    buf = io.BytesIO()
    wb.save(buf)
    # Rewrite the archive with fixed entry times, in the same order.
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=STAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*",
                    rb"\g<1>" + STAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode(),
                    data,
                )
            dst.writestr(entry, data)
    return out.getvalue()


def main() -> int:
    TARGET.write_bytes(workbook_bytes())
    print(f"wrote {TARGET.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
