"""The analysis configuration of ``mutualaid run``: one TOML file per study.

A configuration names the data file(s) and the codebook, what to analyse
(outcomes, covariates, moderators, ...), how to do inference (covariance,
bootstrap replications, seed, whether villages were randomised) and how to
report (language, title, small-count threshold, figure formats).  Every key
has a default except ``[data] codebook`` and the data file(s); the full
reference, with an example, is ``docs/config.md``.

:func:`load_config` reads and validates a file and reports **every** problem
at once (unknown keys with the nearest valid key, wrong types, values outside
the allowed set, missing files), as a :class:`ConfigError`.
:func:`check_against_codebook` then checks the names the configuration uses
against the codebook, again all at once.  :func:`default_config` is the
configuration of ``mutualaid run`` without arguments (the bundled sample);
:func:`init_template` writes a commented starter file for ``mutualaid init``.

Relative paths in a configuration file are relative to the folder of that
file, never to the current directory.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, cast, get_args

from ..exceptions import ConfigError, UsageError

__all__ = [
    "FIGURE_FORMATS",
    "LANGUAGES",
    "ON_INVALID",
    "VCOV",
    "AnalysisConfig",
    "Config",
    "ConfigError",
    "DataConfig",
    "InferenceConfig",
    "ReportConfig",
    "check_against_codebook",
    "default_config",
    "init_template",
    "load_config",
    "parse_config",
]

# One source for the allowed values: the type hints and the runtime checks.
OnInvalid = Literal["raise", "exclude", "missing"]
Vcov = Literal["CR2", "CR1"]
OrdinalVcov = Literal["cluster", "respondent", "model"]
Language = Literal["zh", "en"]
FigureFormat = Literal["png", "svg", "pdf"]
_Choice = TypeVar("_Choice", bound=str)
ON_INVALID: tuple[OnInvalid, ...] = get_args(OnInvalid)
VCOV: tuple[str, ...] = get_args(Vcov)
ORDINAL_VCOV: tuple[str, ...] = get_args(OrdinalVcov)
LANGUAGES: tuple[str, ...] = get_args(Language)
FIGURE_FORMATS: tuple[str, ...] = get_args(FigureFormat)

#: Variables the sample's codebook uses for the community level (the village
#: platform) and the institutional level (volunteering, time-bank points).
#: They are the defaults of ``community`` and ``institutional`` when the
#: codebook has them; other studies name theirs in the configuration.
DEFAULT_COMMUNITY = ("knows_platform", "used_platform")
DEFAULT_INSTITUTIONAL = ("volunteer_hours", "timebank_points")

#: Smallest ``bootstrap_B`` accepted (fewer replications give p-values too coarse to read).
MIN_BOOTSTRAP_B = 99


# --------------------------------------------------------------------------- dataclasses
@dataclass(frozen=True)
class DataConfig:
    """``[data]``: the data file(s) and the codebook.

    Attributes
    ----------
    path : str or None
        One data file (long form when it has the wave column).
    waves : dict or None
        One file per wave, ``{wave: path}`` (exclusive with ``path``).
    codebook : str
        The codebook (TOML).
    on_invalid : {"raise", "exclude", "missing"}
        What :func:`~mutualaid_analysis.read_survey` does with invalid data.
    encoding : str or None
        CSV encoding (default: detected).
    sheet : str, int or None
        Excel sheet (default: the first).
    """

    codebook: str
    path: str | None = None
    waves: dict[str, str] | None = None
    on_invalid: OnInvalid = "raise"
    encoding: str | None = None
    sheet: str | int | None = None


@dataclass(frozen=True)
class AnalysisConfig:
    """``[analysis]``: what to analyse.  ``None`` means "derive from the codebook"."""

    outcomes: tuple[str, ...] | None = None
    covariates: tuple[str, ...] = ()
    moderators: tuple[str, ...] = ()
    by: str | bool | None = None
    service: str | None = None
    threshold: float = 4.0
    scales: tuple[str, ...] | None = None
    community: tuple[str, ...] | None = None
    institutional: tuple[str, ...] | None = None
    mixed_model: bool = False


@dataclass(frozen=True)
class InferenceConfig:
    """``[inference]``: covariance, bootstrap replications, seed, design."""

    vcov: Vcov = "CR2"
    bootstrap_B: int = 9999
    seed: int = 1
    randomized: bool = False
    #: The cumulative link models' covariance (``fit_ordinal(vcov=)``).
    ordinal_vcov: OrdinalVcov = "cluster"


@dataclass(frozen=True)
class ReportConfig:
    """``[report]``: language, title, small-count threshold, figure formats."""

    lang: Language = "zh"
    title: str | None = None
    suppress_below: int = 5
    formats: tuple[str, ...] = ("png", "svg")
    dpi: int = 300


@dataclass(frozen=True)
class Config:
    """A whole analysis configuration.

    Attributes
    ----------
    data, analysis, inference, report
        The four tables of the file.
    base : pathlib.Path
        Folder that relative paths are relative to (the configuration file's).
    source : pathlib.Path or None
        The configuration file (None for the built-in sample configuration).
    """

    data: DataConfig
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    inference: InferenceConfig = field(default_factory=InferenceConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    base: Path = field(default_factory=Path.cwd)
    source: Path | None = None
    is_sample: bool = False

    # ------------------------------------------------------------ paths
    def resolve(self, path: str) -> Path:
        """A path of the configuration, made absolute against :attr:`base`."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base / p)

    @property
    def codebook_path(self) -> Path:
        return self.resolve(self.data.codebook)

    @property
    def data_paths(self) -> dict[str, Path]:
        """The data files by wave (``{"": path}`` for a single file)."""
        if self.data.waves:
            return {str(w): self.resolve(p) for w, p in self.data.waves.items()}
        return {"": self.resolve(self.data.path or "")}

    def input_files(self) -> list[Path]:
        """Every input file: data files, codebook, the configuration file itself."""
        files = [*self.data_paths.values(), self.codebook_path]
        if self.source is not None:
            files.append(self.source)
        return files

    # ------------------------------------------------------------ export
    def as_dict(self) -> dict[str, Any]:
        """The configuration as run, in the TOML layout (paths as written, defaults filled)."""

        def clean(value: Any) -> Any:
            if isinstance(value, tuple):
                return [clean(v) for v in value]
            if isinstance(value, dict):
                return {str(k): clean(v) for k, v in value.items()}
            return value

        out: dict[str, Any] = {}
        for section in ("data", "analysis", "inference", "report"):
            obj = getattr(self, section)
            out[section] = {k: clean(v) for k, v in vars(obj).items() if v is not None}
        return out


# --------------------------------------------------------------------------- parsing
_SECTIONS = ("data", "analysis", "inference", "report")
_KEYS: dict[str, tuple[str, ...]] = {
    "data": ("path", "waves", "codebook", "on_invalid", "encoding", "sheet"),
    "analysis": (
        "outcomes",
        "covariates",
        "moderators",
        "by",
        "service",
        "threshold",
        "scales",
        "community",
        "institutional",
        "mixed_model",
    ),
    "inference": ("vcov", "bootstrap_B", "seed", "randomized", "ordinal_vcov"),
    "report": ("lang", "title", "suppress_below", "formats", "dpi"),
}


def _hint(key: str, allowed: Sequence[str]) -> str:
    near = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
    if near:
        return f" (did you mean {near[0]!r}?)"
    return f"; valid keys: {', '.join(allowed)}"


def _choice_hint(value: Any, allowed: Sequence[str]) -> str:
    near = difflib.get_close_matches(str(value), list(allowed), n=1, cutoff=0.5)
    extra = f" (did you mean {near[0]!r}?)" if near else ""
    return f"one of {', '.join(map(repr, allowed))}; got {value!r}{extra}"


class _Checker:
    """Collects problems while reading one configuration table."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems

    def string(self, table: Mapping[str, Any], where: str, key: str) -> str | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{where}.{key} must be a non-empty string; got {value!r}.")
            return None
        return value

    def names(self, table: Mapping[str, Any], where: str, key: str) -> tuple[str, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.problems.append(
                f'{where}.{key} must be a list of names, e.g. {key} = ["a", "b"]; got {value!r}.'
            )
            return None
        dup = sorted({v for v in value if value.count(v) > 1})
        if dup:
            self.problems.append(f"{where}.{key} names {', '.join(dup)} more than once.")
        return tuple(dict.fromkeys(value))

    def choice(
        self, table: Mapping[str, Any], where: str, key: str, allowed: Sequence[_Choice]
    ) -> _Choice | None:
        if key not in table:
            return None
        value = table[key]
        if value not in allowed:
            self.problems.append(f"{where}.{key} must be {_choice_hint(value, allowed)}.")
            return None
        return cast(_Choice, value)  # one of allowed

    def boolean(self, table: Mapping[str, Any], where: str, key: str) -> bool | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, bool):
            self.problems.append(f"{where}.{key} must be true or false; got {value!r}.")
            return None
        return value

    def integer(
        self,
        table: Mapping[str, Any],
        where: str,
        key: str,
        minimum: int,
        maximum: int | None = None,
    ) -> int | None:
        if key not in table:
            return None
        value = table[key]
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
        if ok and maximum is not None:
            ok = value <= maximum
        if not ok:
            rng = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            self.problems.append(f"{where}.{key} must be a whole number {rng}; got {value!r}.")
            return None
        return value


def parse_config(
    raw: Mapping[str, Any], *, base: Path, source: Path | None = None, check_files: bool = True
) -> Config:
    """Build and validate a :class:`Config` from the parsed TOML structure.

    Parameters
    ----------
    raw : mapping
        The TOML document (as :func:`tomllib.loads` returns it).
    base : pathlib.Path
        Folder that relative paths are relative to.
    source : pathlib.Path, optional
        The file the document came from (for messages and provenance).
    check_files : bool, default True
        Also report data and codebook files that do not exist.

    Raises
    ------
    ConfigError
        Listing every problem found.
    """
    problems: list[str] = []
    check = _Checker(problems)
    for key in raw:
        if key not in _SECTIONS:
            problems.append(f"unknown table [{key}]{_hint(key, _SECTIONS)}.")
    tables: dict[str, Mapping[str, Any]] = {}
    for section in _SECTIONS:
        table = raw.get(section, {})
        if not isinstance(table, Mapping):
            problems.append(f"[{section}] must be a table; got {table!r}.")
            table = {}
        for key in table:
            if key not in _KEYS[section]:
                problems.append(f"unknown key {section}.{key}{_hint(key, _KEYS[section])}.")
        tables[section] = table

    # [data]
    d = tables["data"]
    codebook = check.string(d, "data", "codebook")
    if "codebook" not in d:
        problems.append(
            "data.codebook is required: the codebook of the survey, e.g. "
            'codebook = "codebook.toml".'
        )
    path = check.string(d, "data", "path")
    waves: dict[str, str] | None = None
    if "waves" in d:
        w = d["waves"]
        if (
            not isinstance(w, Mapping)
            or not w
            or not all(isinstance(v, str) and v for v in w.values())
        ):
            problems.append(
                'data.waves must be a table of wave = "file", e.g. '
                'waves = { pre = "w1.csv", post = "w2.csv" }; got '
                f"{w!r}."
            )
        else:
            waves = {str(k): v for k, v in w.items()}
    if "path" in d and "waves" in d:
        problems.append(
            "data.path and data.waves are exclusive: give one file (path) or "
            "one file per wave (waves)."
        )
    elif "path" not in d and "waves" not in d:
        problems.append(
            '[data] needs the data: path = "survey.csv", or one file per wave: '
            'waves = { pre = "w1.csv", post = "w2.csv" }.'
        )
    on_invalid = check.choice(d, "data", "on_invalid", ON_INVALID) or "raise"
    encoding = check.string(d, "data", "encoding")
    sheet: str | int | None = None
    if "sheet" in d:
        s = d["sheet"]
        if isinstance(s, bool) or not isinstance(s, str | int):
            problems.append(f"data.sheet must be a sheet name or number; got {s!r}.")
        else:
            sheet = s

    # [analysis]
    a = tables["analysis"]
    by: str | bool | None = None
    if "by" in a:
        b = a["by"]
        if b is False or (isinstance(b, str) and b):
            by = b
        else:
            problems.append(
                'analysis.by must be a column name (e.g. by = "arm") or false '
                f"(no split); got {b!r}."
            )
    threshold = 4.0
    if "threshold" in a:
        t = a["threshold"]
        if isinstance(t, bool) or not isinstance(t, int | float):
            problems.append(f"analysis.threshold must be a number; got {t!r}.")
        else:
            threshold = float(t)
    analysis = AnalysisConfig(
        outcomes=check.names(a, "analysis", "outcomes"),
        covariates=check.names(a, "analysis", "covariates") or (),
        moderators=check.names(a, "analysis", "moderators") or (),
        by=by,
        service=check.string(a, "analysis", "service"),
        threshold=threshold,
        scales=check.names(a, "analysis", "scales"),
        community=check.names(a, "analysis", "community"),
        institutional=check.names(a, "analysis", "institutional"),
        mixed_model=bool(check.boolean(a, "analysis", "mixed_model")),
    )

    # [inference]
    i = tables["inference"]
    bootstrap_b = check.integer(i, "inference", "bootstrap_B", MIN_BOOTSTRAP_B)
    seed = check.integer(i, "inference", "seed", 0, 2**63 - 1)
    inference = InferenceConfig(
        vcov=check.choice(i, "inference", "vcov", VCOV) or "CR2",  # type: ignore[arg-type]
        bootstrap_B=9999 if bootstrap_b is None else bootstrap_b,
        seed=1 if seed is None else seed,
        randomized=bool(check.boolean(i, "inference", "randomized")),
        ordinal_vcov=check.choice(i, "inference", "ordinal_vcov", ORDINAL_VCOV)  # type: ignore[arg-type]
        or "cluster",
    )

    # [report]
    r = tables["report"]
    formats: tuple[str, ...] = ("png", "svg")
    if "formats" in r:
        f = r["formats"]
        if isinstance(f, str):
            f = [f]
        if not isinstance(f, list) or not f:
            problems.append(f'report.formats must be a list such as ["png", "svg"]; got {f!r}.')
        else:
            bad = [x for x in f if x not in FIGURE_FORMATS]
            for x in bad:
                problems.append(f"report.formats: each must be {_choice_hint(x, FIGURE_FORMATS)}.")
            if not bad:
                formats = tuple(dict.fromkeys(f))
                if "png" not in formats and "svg" not in formats:
                    problems.append(
                        'report.formats must include "png" or "svg": the HTML '
                        "report embeds one of them."
                    )
    suppress = check.integer(r, "report", "suppress_below", 1)
    dpi = check.integer(r, "report", "dpi", 50, 1200)
    report = ReportConfig(
        lang=check.choice(r, "report", "lang", LANGUAGES) or "zh",  # type: ignore[arg-type]
        title=check.string(r, "report", "title"),
        suppress_below=5 if suppress is None else suppress,
        formats=formats,
        dpi=300 if dpi is None else dpi,
    )

    config = Config(
        data=DataConfig(
            codebook=codebook or "",
            path=path,
            waves=waves,
            on_invalid=on_invalid,
            encoding=encoding,
            sheet=sheet,
        ),
        analysis=analysis,
        inference=inference,
        report=report,
        base=base,
        source=source,
    )
    if check_files and not problems:
        for label, p in [
            *(("data file", q) for q in config.data_paths.values()),
            ("codebook", config.codebook_path),
        ]:
            if not p.is_file():
                problems.append(
                    f"{label} {p} does not exist (relative paths are relative "
                    f"to the configuration file's folder, {base})."
                )
    if problems:
        error = ConfigError(problems, str(source) if source else None)
        error.partial = config  # what could be read, for the codebook check of load_config
        raise error
    return config


def load_config(
    path: str | os.PathLike[str], *, check_files: bool = True, check_codebook: bool = False
) -> Config:
    """Read and validate a configuration file.

    Parameters
    ----------
    path : path
        The TOML file.
    check_files : bool, default True
        Also check that the data and codebook files exist.
    check_codebook : bool, default False
        Also check the names the configuration uses against its codebook
        (:func:`check_against_codebook`), and report those problems together
        with the file's own, in one :class:`ConfigError`.

    Returns
    -------
    Config

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ConfigError
        The file is not valid TOML, or lists every problem of its content.
    CodebookError
        With ``check_codebook``, when the configuration is valid but its codebook is not.

    Notes
    -----
    A byte-order mark at the start of the file (Windows editors write one) is
    accepted.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such configuration file.")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], str(p)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([f"not UTF-8 text: {exc}"], str(p)) from exc
    source = p.resolve()
    try:
        config = parse_config(raw, base=source.parent, source=source, check_files=check_files)
    except ConfigError as exc:
        partial = getattr(exc, "partial", None)
        if not check_codebook or partial is None:
            raise
        problems = [*exc.problems, *_codebook_problems(partial, strict=False)]
        raise ConfigError(problems, str(source)) from None
    if check_codebook:
        problems = _codebook_problems(config, strict=True)
        if problems:
            raise ConfigError(problems, str(source))
    return config


def _codebook_problems(config: Config, *, strict: bool) -> list[str]:
    """The configuration's names checked against its codebook, when the codebook can be read.

    With ``strict``, an invalid codebook raises its :class:`CodebookError`;
    otherwise (the configuration has problems of its own) it is one more problem.
    """
    from ..data.codebook import read_codebook
    from ..exceptions import CodebookError

    path = config.codebook_path
    if not config.data.codebook or not path.is_file():
        return []
    try:
        codebook = read_codebook(path)
    except CodebookError as exc:
        if strict:
            raise
        n = len(exc.problem_list)
        return [
            f"the codebook {path.name} has {n} problem{'s' * (n != 1)} of its own "
            "(listed once the configuration is fixed, or by mutualaid validate)."
        ]
    return check_against_codebook(config, codebook)


def default_config() -> Config:
    """The configuration of ``mutualaid run`` without arguments: the bundled sample, defaults."""
    from ..sample import SAMPLE_FILES, sample_dir

    return Config(
        data=DataConfig(codebook=SAMPLE_FILES["codebook"], path=SAMPLE_FILES["survey"]),
        base=sample_dir(),
        source=None,
        is_sample=True,
    )


# --------------------------------------------------------------------------- codebook check
def _near(name: str, known: Sequence[str]) -> str:
    near = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""


def check_against_codebook(config: Config, codebook: Any) -> list[str]:
    """Problems with the names a configuration uses, checked against the codebook.

    Outcomes may be scales, numeric variables or circles; covariates,
    moderators, community and institutional variables must be analysable
    variables (not ids, text or personal data); ``by`` a variable;
    ``service`` one of the codebook's services; ``scales`` scales.

    Returns
    -------
    list of str
        One sentence per problem (empty when everything is known).
    """
    problems: list[str] = []
    a = config.analysis
    variables = codebook.variables
    scales = list(dict.fromkeys(v.scale for v in variables.values() if v.scale))
    numeric = [
        n
        for n, v in variables.items()
        if v.type in ("ordinal", "integer", "number", "binary") and not v.pii
    ]
    usable = [n for n, v in variables.items() if v.type not in ("id", "text") and not v.pii] + [
        codebook.survey.group or ""
    ]
    circles = list(codebook.circles)

    def need(key: str, names: Sequence[str] | None, known: Sequence[str], what: str) -> None:
        for name in names or ():
            if name in known:
                continue
            if name in variables and variables[name].pii:
                problems.append(
                    f"analysis.{key}: {name!r} is personal data (pii = true) and "
                    "cannot be analysed."
                )
            else:
                problems.append(
                    f"analysis.{key}: {name!r} is not {what} of the codebook{_near(name, known)}."
                )

    need(
        "outcomes",
        a.outcomes,
        [*scales, *numeric, *circles],
        "a scale, a numeric variable or a circle",
    )
    need("covariates", a.covariates, usable, "an analysable variable")
    need("moderators", a.moderators, usable, "an analysable variable")
    need("scales", a.scales, scales, "a scale")
    need("community", a.community, numeric, "a numeric variable")
    need("institutional", a.institutional, numeric, "a numeric variable")
    if isinstance(a.by, str) and a.by not in variables:
        problems.append(
            f"analysis.by: {a.by!r} is not a variable of the codebook"
            f"{_near(a.by, list(variables))}."
        )
    if a.service is not None:
        services = list(codebook.services) or list(
            dict.fromkeys(v.service for v in variables.values() if v.service)
        )
        if a.service not in services:
            problems.append(
                f"analysis.service: {a.service!r} is not a service of the codebook; "
                f"the services are {services or '(none)'}{_near(a.service, services)}."
            )
    if not circles:
        problems.append("the codebook has no [circles]: the willingness gradient needs them.")
    if config.data.waves:
        from ..data.survey import UNKNOWN_WAVE, wave_choices, wave_key

        for w in config.data.waves:  # a wave's code or, when labelled, its label
            if wave_key(w, codebook) is UNKNOWN_WAVE:
                problems.append(
                    f"data.waves: {w!r} is not a wave of the codebook ([survey] waves: "
                    f"{wave_choices(codebook)})."
                )
    return problems


# --------------------------------------------------------------------------- init
def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_toml_str(v) for v in values) + "]"


def _rel(path: Path, folder: Path) -> str:
    try:
        rel = os.path.relpath(path.resolve(), folder.resolve())
    except ValueError:  # another drive on Windows
        rel = str(path.resolve())
    return Path(rel).as_posix()


def init_template(
    data: Sequence[str | os.PathLike[str]],
    codebook: str | os.PathLike[str],
    out: str | os.PathLike[str],
) -> str:
    """A commented starter configuration for ``data`` and ``codebook``, to be saved at ``out``.

    The codebook is read to fill in its scales, services and the candidate
    variables of each key; paths are written relative to the folder of
    ``out``.

    Parameters
    ----------
    data : sequence of paths
        One data file, or one file per wave in the codebook's wave order.
    codebook : path
        The codebook (TOML).
    out : path
        Where the configuration will be written.

    Returns
    -------
    str
        The TOML text.

    Raises
    ------
    CodebookError
        If the codebook is invalid.
    UsageError
        If the number of data files does not match the codebook's waves.
    """
    from ..data.codebook import read_codebook

    cb = read_codebook(codebook)
    folder = Path(out).resolve().parent
    variables = cb.variables
    roles = set(cb.roles.values())
    scales = list(dict.fromkeys(v.scale for v in variables.values() if v.scale))
    services = list(cb.services) or list(
        dict.fromkeys(v.service for v in variables.values() if v.service)
    )
    plain = [
        n
        for n, v in variables.items()
        if n not in roles
        and not v.circle
        and not v.scale
        and not v.pii
        and v.type not in ("id", "text")
    ]
    binary = [n for n in plain if variables[n].type == "binary"]
    counts = [n for n in plain if variables[n].type in ("integer", "number")]
    community = [n for n in DEFAULT_COMMUNITY if n in variables]
    institutional = [n for n in DEFAULT_INSTITUTIONAL if n in variables]
    covariate_candidates = [n for n in plain if n not in community and n not in institutional]

    lines = [
        "# mutualaid analysis configuration (see docs/config.md for every key).",
        "# Run it with:  mutualaid run THIS_FILE --out results/",
        "# Relative paths are relative to the folder of this file.",
        "",
        "[data]",
    ]
    files = [Path(p) for p in data]
    if len(files) == 1:
        lines.append(f"path = {_toml_str(_rel(files[0], folder))}")
    else:
        waves = list(cb.survey.waves or ())
        if len(waves) != len(files):
            raise UsageError(
                f"{len(files)} data files were given but the codebook declares "
                f"{len(waves)} wave(s) {waves}: give one file per wave, in that order."
            )
        items = ", ".join(
            f"{_toml_str(str(w))} = {_toml_str(_rel(f, folder))}"
            for w, f in zip(waves, files, strict=True)
        )
        lines.append(f"waves = {{ {items} }}")
    lines += [
        f"codebook = {_toml_str(_rel(Path(codebook), folder))}",
        '# on_invalid: "raise" stops at any validation error (the default); "exclude" drops',
        '# offending rows (recorded in the ledger); "missing" blanks offending cells.',
        'on_invalid = "raise"',
        "",
        "[analysis]",
        "# Workshop evaluation outcomes: scales, numeric variables or circles.",
        f"outcomes = {_toml_list([*scales, *community, *institutional])}",
        "# Respondent covariates for the adjusted models. Candidates in this codebook:",
        f"#   {', '.join(covariate_candidates) or '(none)'}",
        "covariates = []",
        "# Moderators of the willingness gradient (their interaction with the circles).",
        "moderators = []",
    ]
    if cb.survey.group:
        lines.append(
            f"by = {_toml_str(cb.survey.group)}            "
            "# split the gradient by this column; false for no split"
        )
    else:
        lines.append("by = false")
    lines += [
        "# One service for the gradient, or leave out to pool the services. Services: "
        f"{', '.join(services) or '(none)'}",
        "# service = " + (_toml_str(services[0]) if services else '"..."'),
        "threshold = 4              # willing = answer >= threshold",
        f"scales = {_toml_list(scales)}",
        "# Community level: awareness and use of the village platform (binary variables).",
        f"#   binary variables: {', '.join(binary) or '(none)'}",
        f"community = {_toml_list(community)}",
        "# Institutional level: participation, volunteer hours, points.",
        f"#   count variables: {', '.join(counts) or '(none)'}",
        f"institutional = {_toml_list(institutional)}",
        "mixed_model = false        # also fit the cumulative link mixed model",
        "",
        "[inference]",
        'vcov = "CR2"               # CR2 (Satterthwaite df) or CR1 (t with G-1 df)',
        "bootstrap_B = 9999         # wild cluster bootstrap replications",
        "seed = 1",
        "randomized = false         # true only if villages were randomly assigned",
        'ordinal_vcov = "cluster"   # cumulative link model: cluster, respondent or model',
        "",
        "[report]",
        'lang = "zh"                # zh or en',
    ]
    title = cb.survey.title
    lines.append(f"title = {_toml_str(title)}" if title else '# title = "..."')
    lines += [
        "suppress_below = 5         # counts below this are blanked in published tables",
        'formats = ["png", "svg"]   # figure formats (png, svg, pdf)',
        "dpi = 300",
        "",
    ]
    return "\n".join(lines)
