"""The codebook: reading, every validation rule, and the TOML round trip."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mutualaid_analysis as ma
from mutualaid_analysis.data.codebook import VARIABLE_KEYS, Codebook

HERE = Path(__file__).parent
CB = HERE / "data" / "codebook_min.toml"


def _problems(text: str, tmp_path: Path) -> list:
    path = tmp_path / "cb.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ma.CodebookError) as info:
        ma.read_codebook(path)
    return info.value.problem_list


BASE = """
[survey]
id = "rid"
[[variable]]
name = "rid"
type = "id"
"""


def test_reads_every_part():
    cb = ma.read_codebook(CB)
    assert cb.survey.id == "resp_id"
    assert cb.survey.waves == ("pre", "post")
    assert cb.survey.baseline == "pre"
    assert cb.survey.treated == "workshop"
    assert cb.survey.missing == {98: "不知道", 99: "拒答", -9: "不适用"}
    assert cb.roles == {"id": "resp_id", "cluster": "village", "wave": "wave", "group": "arm"}
    assert cb.circles == ("relatives", "friends", "villagers")
    assert cb.circle_label("villagers") == "其他村民"
    assert cb.circle_label("villagers", "en") == "Other villagers"
    assert cb.service_label("daily_care", "en") == "生活照料"  # falls back to Chinese
    will = cb["will_rel"]
    assert will.values == {1: "非常不愿意", 2: "不太愿意", 3: "一般", 4: "比较愿意", 5: "非常愿意"}
    assert will.values_en[5] == "Very willing"
    assert will.responses == "willing5"
    assert (will.circle, will.service) == ("relatives", "daily_care")
    assert cb["gses_01"].scale == "gses"
    assert cb.scale_names() == ["gses"]
    assert cb.missing_codes("hours") == (-9,)
    assert cb.missing_codes("will_rel") == (98, 99, -9)
    assert cb.pii_columns == ["phone"]
    assert "phone" not in cb.analysis_columns
    assert cb["age"].min == 60 and cb["age"].max == 105
    assert cb["sex"].codes == (0, 1)


def test_willingness_items_in_circle_order():
    items = ma.read_codebook(CB).willingness_items()
    assert items["circle"].tolist() == ["relatives", "friends", "villagers"]
    assert items["circle_rank"].tolist() == [0, 1, 2]
    assert ma.read_codebook(CB).willingness_items(service="chores").empty


def test_label_to_code_includes_english_and_missing_labels():
    m = ma.read_codebook(CB).label_to_code("will_rel")
    assert m["比较愿意"] == 4 and m["Rather willing"] == 4
    assert m["不知道"] == 98 and m["拒答"] == 99


def test_round_trip_changes_nothing(tmp_path):
    cb = ma.read_codebook(CB)
    text = cb.to_toml()
    out = tmp_path / "again.toml"
    cb.to_toml(out)
    again = ma.read_codebook(out)
    assert again == cb
    assert again.to_toml() == text


def test_unknown_key_suggests_nearest(tmp_path):
    probs = _problems(BASE.replace('id = "rid"', 'id = "rid"\nclustr = "v"'), tmp_path)
    assert [p.rule for p in probs] == ["unknown_key"]
    assert "Did you mean 'cluster'?" in probs[0].message
    assert probs[0].key == "survey.clustr"
    probs = _problems(BASE + 'lable = "x"\n', tmp_path)
    assert "Did you mean 'label'?" in probs[0].message


def test_every_mistake_is_reported_at_once(tmp_path):
    text = """
[survey]
id = "rid"
cluster = "village"
[circles]
order = ["relatives", "friends"]
[[variable]]
name = "rid"
type = "id"
[[variable]]
name = "x"
type = "ordinal"
responses = "willing"
circle = "villagers"
[[variable]]
name = "x"
type = "ordnial"
"""
    probs = _problems(text, tmp_path)
    rules = sorted(p.rule for p in probs)
    assert rules == sorted(["unknown_responses", "unknown_circle", "bad_type",
                            "duplicate_variable", "role_not_a_variable"])
    by_rule = {p.rule: p for p in probs}
    assert "Did you mean 'ordinal'?" in by_rule["bad_type"].message
    assert by_rule["role_not_a_variable"].value == "village"
    assert "'villagers'" in by_rule["unknown_circle"].message
    assert "[circles].order" in by_rule["unknown_circle"].message
    # the error text lists all of them, with the file name
    with pytest.raises(ma.CodebookError, match="has 5 problems") as info:
        ma.read_codebook(tmp_path / "cb.toml")
    assert "cb.toml" in str(info.value)
    assert len(info.value.problems) == 5


@pytest.mark.parametrize(
    ("snippet", "rule"),
    [
        ('[[variable]]\nname = "c"\ntype = "category"\nvalues = { 1 = "a" }\nlevels = ["a"]\n',
         "conflicting_keys"),
        ('[[variable]]\nname = "c"\ntype = "category"\nlevels = ["a", "a"]\n', "duplicate_name"),
        ('[[variable]]\nname = "c"\ntype = "category"\nlevels = "a"\n', "bad_type"),
        ('[[variable]]\nname = "c"\ntype = "integer"\nlevels = [1, 2]\n', "not_for_type"),
        ('[[variable]]\nname = "b"\ntype = "binary"\nlevels = ["a", "b", "c"]\n',
         "bad_value_labels"),
        ('[[variable]]\nname = "b"\ntype = "binary"\nvalues = { 1 = "a", 2 = "b" }\n'
         'levels = ["a", "z"]\n', "bad_value_labels"),
        ('[[variable]]\nname = "n"\ntype = "integer"\nmissing_text = [1]\n', "bad_type"),
        ('[[variable]]\nname = "o"\ntype = "ordinal"\n', "missing_key"),
        ('[[variable]]\nname = "b"\ntype = "binary"\nvalues = { 1 = "a", 2 = "b", 3 = "c" }\n',
         "bad_value_labels"),
        ('[[variable]]\nname = "n"\ntype = "number"\nmin = 5\nmax = 1\n', "bad_range"),
        ('[[variable]]\nname = "t"\ntype = "text"\nmin = 1\n', "not_for_type"),
        ('[[variable]]\nname = "o"\ntype = "ordinal"\nvalues = { a = "x" }\n', "bad_code"),
        ('[[variable]]\nname = "o"\ntype = "ordinal"\nvalues = { 1 = "x", 2 = "x" }\n',
         "duplicate_label"),
        ('[[variable]]\nname = "o"\ntype = "integer"\nreverse = true\n', "missing_key"),
        ('[[variable]]\nname = "o"\ntype = "integer"\nservice = "care"\n', "missing_key"),
        ('[[variable]]\nname = "o"\ntype = "integer"\ncircle = "relatives"\n', "unknown_circle"),
        ('[[variable]]\nname = "o"\ntype = "integer"\npii = "yes"\n', "bad_type"),
        ('[[variable]]\ntype = "integer"\n', "missing_key"),
    ],
)
def test_variable_rules(tmp_path, snippet, rule):
    probs = _problems(BASE + snippet, tmp_path)
    assert rule in {p.rule for p in probs}
    assert all(p.file == "cb.toml" for p in probs)


def test_survey_rules(tmp_path):
    assert {p.rule for p in _problems('[[variable]]\nname = "a"\ntype = "id"\n', tmp_path)} == {
        "missing_key"}
    probs = _problems(BASE.replace('id = "rid"', 'id = "rid"\ntreated = "w"'), tmp_path)
    assert probs[0].key == "survey.treated"
    probs = _problems(BASE.replace('id = "rid"', 'id = "rid"\nwaves = []'), tmp_path)
    assert probs[0].key == "survey.waves"
    probs = _problems(BASE + "pii = true\n", tmp_path)
    assert probs[0].rule == "pii_id"


def test_toml_syntax_error_names_line(tmp_path):
    probs = _problems("[survey]\nid = \n", tmp_path)
    assert probs[0].rule == "toml_syntax" and probs[0].line == 2
    assert "must be quoted" not in probs[0].message


@pytest.mark.parametrize(("line", "fixed"), [
    ('labels = { 亲属 = "亲属", friends = "朋友" }', 'labels = { "亲属" = "亲属", friends = "朋友" }'),
    ("[responses.愿意五级]", '[responses."愿意五级"]'),
    ('村庄 = "village"', '"村庄" = "village"'),
])
def test_non_ascii_bare_key_gets_the_quoted_line(tmp_path, line, fixed):
    text = '[survey]\nid = "rid"\n[circles]\norder = ["亲属", "friends"]\n' + line + "\n"
    (p,) = _problems(text, tmp_path)
    assert p.rule == "toml_syntax" and p.line == 5
    assert f"write {fixed} instead of {line}" in p.message


def test_circle_without_items_is_an_error(tmp_path):
    text = BASE.replace('id = "rid"', 'id = "rid"') + (
        '[[variable]]\nname = "w1"\ntype = "integer"\ncircle = "relatives"\n'
        '[[variable]]\nname = "w3"\ntype = "integer"\ncircle = "villagers"\n'
        '[circles]\norder = ["relatives", "friends", "villagers"]\n')
    (p,) = _problems(text, tmp_path)
    assert (p.rule, p.key, p.value) == ("empty_circle", "circles.order", ["friends"])
    assert "'relatives', 'villagers'" in p.message
    # circles with no item at all stay allowed (a draft)
    path = tmp_path / "draft.toml"
    path.write_text(BASE + '[circles]\norder = ["relatives", "friends"]\n', encoding="utf-8")
    assert ma.read_codebook(path).circles == ("relatives", "friends")


def test_binary_role_needs_labels_or_levels(tmp_path):
    text = BASE.replace('id = "rid"', 'id = "rid"\ngroup = "arm"\ntreated = 1') + (
        '[[variable]]\nname = "arm"\ntype = "binary"\n')
    (p,) = _problems(text, tmp_path)
    assert p.rule == "missing_key" and p.key == "variable 'arm'"


def test_unlabelled_category_and_levels_round_trip(tmp_path):
    text = BASE.replace('id = "rid"', 'id = "rid"\ncluster = "村庄"\nmissing_text = ["不详"]') + (
        '[[variable]]\nname = "村庄"\ntype = "category"\nlevels = ["东山村", "西河村"]\n'
        '[[variable]]\nname = "sex"\ntype = "binary"\nvalues = { 1 = "男", 2 = "女" }\n'
        'values_en = { 1 = "male", 2 = "female" }\nmissing_text = ["-"]\n')
    path = tmp_path / "cb.toml"
    path.write_text(text, encoding="utf-8")
    cb = ma.read_codebook(path)
    assert cb["村庄"].levels == ("东山村", "西河村") and not cb["村庄"].is_numeric
    assert cb["sex"].values == {0: "男", 1: "女"} and cb["sex"].values_en == {0: "male", 1: "female"}
    assert cb["sex"].recode == {1: 0, 2: 1} and cb["sex"].codes == (0, 1)
    assert cb.label_to_code("sex")["女"] == 2  # the file's code; validation makes it 1
    assert cb.missing_text("sex")[-1] == "-" and "不详" not in cb.missing_text("sex")
    assert cb.missing_text("村庄")[-1] == "不详" and "NA" in cb.missing_text("村庄")
    out = cb.to_toml()
    assert 'values = { 1 = "男", 2 = "女" }' in out and 'missing_text = ["不详"]' in out
    again = Codebook.from_dict(tomllib.loads(out))
    assert again == cb and again.to_toml() == out


def test_non_utf8_codebook(tmp_path):
    path = tmp_path / "cb.toml"
    path.write_bytes(BASE.replace("rid", "编号").encode("gb18030"))
    with pytest.raises(ma.CodebookError, match="UTF-8"):
        ma.read_codebook(path)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="nope.toml"):
        ma.read_codebook("nope.toml")


def test_unknown_variable_lookup_suggests():
    with pytest.raises(KeyError, match="Did you mean 'will_rel'"):
        ma.read_codebook(CB)["will_re"]
    with pytest.raises(KeyError, match="no scale named 'gse'"):
        ma.read_codebook(CB).scale_items("gse")


def test_summary_and_repr():
    cb = ma.read_codebook(CB)
    s = cb.summary()
    assert list(s.columns) == ["name", "type", "label", "label_en", "role", "n_values", "missing"]
    assert s.set_index("name").loc["will_vil", "role"] == "willingness:villagers/daily_care"
    assert s.set_index("name").loc["village", "role"] == "cluster"
    assert "12 variables" in repr(cb)


# --------------------------------------------------------------- property: round trip

_names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
_labels = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
    max_size=12,
).filter(lambda s: s.strip() != "")


@st.composite
def codebooks(draw):
    names = draw(st.lists(_names, min_size=1, max_size=6, unique=True))
    variables = [{"name": "rid", "type": "id"}]
    for name in names:
        if name == "rid":
            continue
        kind = draw(st.sampled_from(["ordinal", "integer", "number", "text", "binary",
                                     "category"]))
        var = {"name": name, "type": kind}
        if draw(st.booleans()):
            var["label"] = draw(_labels)
        if kind in ("ordinal", "binary"):
            k = 2 if kind == "binary" else draw(st.integers(2, 6))
            labs = draw(st.lists(_labels, min_size=k, max_size=k, unique_by=str.strip))
            first = draw(st.sampled_from([0, 1])) if kind == "binary" else 0  # 0/1 or 1/2
            var["values"] = {str(i + first): lab for i, lab in enumerate(labs)}
            if kind == "binary" and draw(st.booleans()):
                var["levels"] = draw(st.permutations(labs))
        if kind == "category" and draw(st.booleans()):
            var["levels"] = draw(st.lists(_labels, min_size=1, max_size=4, unique_by=str.strip))
        if kind != "text" and draw(st.booleans()):
            var["missing_text"] = draw(st.lists(_labels, max_size=2, unique=True))
        if kind in ("integer", "number") and draw(st.booleans()):
            lo = draw(st.integers(-100, 100))
            var["min"], var["max"] = lo, lo + draw(st.integers(0, 100))
        if kind != "text" and draw(st.booleans()):
            var["missing"] = draw(st.lists(st.integers(-99, 999), max_size=3, unique=True))
        variables.append(var)
    survey = {"id": "rid"}
    if draw(st.booleans()):
        survey["missing"] = draw(st.sampled_from([
            [98, 99, -9], {"98": "不知道", "99": "拒答"}, {"98": "不知道", "-9": ""}]))
    return {"survey": survey, "variable": variables}


@settings(max_examples=60, deadline=None)
@given(codebooks())
def test_round_trip_property(raw):
    cb = Codebook.from_dict(raw)
    text = cb.to_toml()
    again = Codebook.from_dict(tomllib.loads(text))
    assert again == cb
    assert again.to_toml() == text


def test_writer_knows_every_variable_key():
    # A key the reader accepts but the writer forgot would break round trips.
    cb = ma.read_codebook(CB)
    written = {k for v in cb.to_dict()["variable"] for k in v}
    assert written <= set(VARIABLE_KEYS)


def test_labels_that_differ_only_in_surrounding_spaces_are_one_label():
    # answer text is matched without surrounding spaces, so "a" and "a " could
    # not be told apart when the data are read (found by the round-trip property)
    raw = {"survey": {"id": "rid"}, "variable": [
        {"name": "rid", "type": "id"},
        {"name": "b", "type": "ordinal", "values": {"1": "比较愿意", "2": "比较愿意 "}}]}
    with pytest.raises(ma.CodebookError, match="duplicate_label") as err:
        Codebook.from_dict(raw)
    assert "without surrounding spaces" in str(err.value)
    # and levels are compared the same way
    raw["variable"][1] = {"name": "b", "type": "category", "levels": ["0", "0 "]}
    with pytest.raises(ma.CodebookError, match="duplicate_name"):
        Codebook.from_dict(raw)
