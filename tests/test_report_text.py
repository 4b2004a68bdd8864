"""The report's words live in one catalogue (report/text.py), in both languages.

A translator edits ``CATALOGUE`` only: every message has a Chinese and an
English template with the same named placeholders, render.py picks no
language itself, and every message id it asks for exists.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mutualaid_analysis.report import PUBLISHED_TABLES, render
from mutualaid_analysis.report.text import CATALOGUE, LANGUAGES, Message, placeholders, text

RENDER = Path(render.__file__)


def test_every_message_has_both_languages_and_the_same_placeholders():
    assert len(CATALOGUE) > 100
    for key, message in CATALOGUE.items():
        assert isinstance(message, Message), key
        assert message._fields == LANGUAGES
        for lang in LANGUAGES:
            assert getattr(message, lang).strip() or key in ("space",), (key, lang)
        assert placeholders(message.zh) == placeholders(message.en), key


def test_render_chooses_no_language_itself():
    source = RENDER.read_text(encoding="utf-8")
    assert not re.search(r'lang == "zh"|if zh else', source)
    assert "TEXT" not in source and "_ZH" not in source


def test_every_message_render_asks_for_is_in_the_catalogue():
    source = RENDER.read_text(encoding="utf-8")
    keys = set(re.findall(r'\btr\(\s*"([^"{}]+)"', source))
    assert {"overview_p", "methods_ordinal", "methods_effects", "df_one"} <= keys
    assert keys <= set(CATALOGUE), sorted(keys - set(CATALOGUE))
    # every table the report shows has a caption, and each is a published table
    shown = set(re.findall(r'w\.table\(\s*"(\w+)"', source))
    assert {"sample", "ordinal", "effects", "ledger_summary"} <= shown
    for name in shown:
        assert name in PUBLISHED_TABLES and f"table.{name}" in CATALOGUE, name
    # the families render builds ids for
    for vcov in ("cluster", "respondent", "model"):
        assert f"methods_se.{vcov}" in CATALOGUE and f"ordinal_se.{vcov}" in CATALOGUE
    for inference in ("CR2", "CR1"):
        assert f"methods_inference.{inference}" in CATALOGUE


def test_text_fills_placeholders_and_names_a_missing_one():
    assert text("df_one", "zh", df="6") == "t(6)"
    assert text("df_range", "en", low="3", high="7").startswith("t(3) to t(7)")
    assert text("references", "zh") == "参考文献"
    with pytest.raises(KeyError):
        text("df_one", "en")  # no value for {df}
    with pytest.raises(KeyError):
        text("no such message", "en")


def test_placeholders_of_a_template():
    assert placeholders("{label}: {est} (95% CI {ci})") == {"label", "est", "ci"}
    assert placeholders("no placeholder") == set()
