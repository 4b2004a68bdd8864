"""The one style of every figure: palette, fonts, labels, and deterministic saving.

- :data:`OKABE_ITO` is the qualitative palette (Okabe & Ito 2008), safe for
  the common colour-vision deficiencies; groups also differ by marker and
  line style, so figures survive greyscale printing.  Ordered shades (the
  ripple, Likert answers) use ColorBrewer schemes chosen as colour-blind safe.
- :func:`find_cjk_font` finds an installed font with Chinese glyphs;
  :func:`use_style` is a context manager that applies the package's
  ``rcParams`` (font included) only inside the ``with`` block, so a user's
  own settings are never changed permanently.
- :func:`resolve_lang` decides the label language: ``lang="zh"`` without any
  CJK font warns once per session (:class:`FontWarning`, with the install
  command) and falls back to English labels, because English text is more
  useful than empty boxes.
- :class:`Labels` turns codes (circles, services, arms, waves, answers) into
  labels in one language: the codebook's labels first, then a small
  glossary of the package's own terms, then the code itself.
- :func:`save_figure` writes PNG (300 dpi), SVG and PDF byte-for-byte
  reproducibly (no dates, fixed SVG hash salt).
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import matplotlib as mpl
import matplotlib.font_manager as fm
import numpy as np

from ..exceptions import FontWarning, UsageError
from ..labels import LANGS, Labels, Lang
from ..output import write_bytes_atomic

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..data.codebook import Codebook

__all__ = [
    "CJK_FONTS",
    "LINESTYLES",
    "MARKERS",
    "OKABE_ITO",
    "FontWarning",
    "Labels",
    "Lang",
    "find_cjk_font",
    "palette",
    "resolve_lang",
    "save_figure",
    "style_rc",
    "use_style",
    "warn_survey_given",
]


#: Okabe & Ito (2008) colours, black last (used for reference lines).
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish_green": "#009E73",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "reddish_purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
_CYCLE = [
    OKABE_ITO[k]
    for k in (
        "blue",
        "vermillion",
        "bluish_green",
        "orange",
        "sky_blue",
        "reddish_purple",
        "yellow",
    )
]
#: Markers and line styles that go with the palette, so groups differ by more than colour.
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)))

#: CJK fonts searched, in order (family names as matplotlib reports them).
CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Source Han Sans",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "Hiragino Sans GB",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Noto Serif CJK SC",
)
#: File-name fragments of CJK fonts, to add fonts installed after matplotlib's cache was built.
_CJK_FILE_HINTS = (
    "notosanscjk",
    "notoserifcjk",
    "notosanssc",
    "sourcehansans",
    "wqy",
    "simhei",
    "msyh",
    "pingfang",
    "stheiti",
    "hiragino",
    "uming",
    "ukai",
)
#: The Latin font drawn first; Chinese glyphs fall back to the CJK font.
BASE_FONT = "DejaVu Sans"

INSTALL_HINT = (
    "install a CJK font, e.g. Debian/Ubuntu: `sudo apt-get install fonts-noto-cjk` (or "
    "`fonts-wqy-microhei`); Fedora: `sudo dnf install google-noto-sans-cjk-fonts`; macOS "
    "(PingFang SC) and Windows (Microsoft YaHei) have one already. Then restart Python (if "
    "the font is still not found, delete matplotlib's font cache in "
    "`matplotlib.get_cachedir()`)."
)

_CJK_RE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


_state: dict[str, Any] = {"font": None, "searched": False, "warned": False}


def palette(n: int | None = None) -> list[str]:
    """The qualitative colours (Okabe-Ito), repeated if ``n`` exceeds seven."""
    if n is None:
        return list(_CYCLE)
    return [_CYCLE[i % len(_CYCLE)] for i in range(n)]


def has_cjk(text: object) -> bool:
    """Whether ``text`` contains Chinese (CJK) characters or full-width punctuation."""
    return bool(_CJK_RE.search(str(text)))


def find_cjk_font(refresh: bool = False) -> str | None:
    """The family name of an installed font with Chinese glyphs, or ``None``.

    Parameters
    ----------
    refresh : bool, default False
        Search again (the answer is cached for the session).

    Returns
    -------
    str or None
        The first of :data:`CJK_FONTS` that matplotlib knows.  Fonts installed
        after matplotlib built its font cache are found too: the system's
        font files whose names look like a CJK font are added to the font
        manager before giving up.

    Examples
    --------
    >>> from mutualaid_analysis.plots import find_cjk_font
    >>> find_cjk_font()  # doctest: +SKIP
    'WenQuanYi Micro Hei'
    """
    if _state["searched"] and not refresh:
        return _state["font"]
    font = _first_known()
    if font is None:
        with contextlib.suppress(Exception):  # a broken font file must not break plotting
            for path in fm.findSystemFonts():
                name = Path(path).name.lower().replace("-", "").replace("_", "")
                if any(h in name for h in _CJK_FILE_HINTS):
                    with contextlib.suppress(Exception):
                        fm.fontManager.addfont(path)
        font = _first_known()
    _state.update(font=font, searched=True)
    return font


def _first_known() -> str | None:
    known = {f.name for f in fm.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in known), None)


def resolve_lang(lang: str) -> Lang:
    """Check ``lang`` and return the language the labels will be drawn in.

    ``"zh"`` falls back to ``"en"`` when no CJK font is installed, with one
    :class:`FontWarning` per session saying how to install one.

    Raises
    ------
    UsageError
        If ``lang`` is not ``"zh"`` or ``"en"``.
    """
    if lang not in LANGS:
        raise UsageError(f"lang must be one of {', '.join(map(repr, LANGS))}; got {lang!r}.")
    if lang == "zh" and find_cjk_font() is None:
        if not _state["warned"]:
            _state["warned"] = True
            warnings.warn(
                "No font with Chinese glyphs was found, so figures use English labels "
                f"(lang='en') instead of empty boxes. To draw Chinese labels, {INSTALL_HINT}",
                FontWarning,
                stacklevel=3,
            )
        return "en"
    return lang  # type: ignore[return-value]


def font_family() -> list[str]:
    """Concrete font names for text: the Latin font, then the CJK font when installed.

    Concrete names (not the generic ``"sans-serif"``) are stored in each text
    at creation, so figures keep rendering Chinese after :func:`use_style`
    has restored the user's ``rcParams``.
    """
    cjk = find_cjk_font()
    return [BASE_FONT, cjk] if cjk else [BASE_FONT]


def style_rc() -> dict[str, Any]:
    """The ``rcParams`` of the package's figures."""
    return {
        "font.family": font_family(),
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        # matplotlib re-exports cycler; its stubs do not say so
        "axes.prop_cycle": mpl.cycler(color=_CYCLE),  # type: ignore[attr-defined]
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": False,
        "axes.unicode_minus": True,
        "legend.frameon": False,
        "legend.fontsize": 8,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "figure.dpi": 100,
        "figure.figsize": (6.0, 4.0),
        "savefig.dpi": 300,
        "savefig.bbox": "tight",
        "svg.hashsalt": "mutualaid_analysis",
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
        "image.cmap": "cividis",
    }


@contextlib.contextmanager
def use_style(lang: str = "zh") -> Iterator[Lang]:
    """Apply the package's figure style inside a ``with`` block.

    Parameters
    ----------
    lang : {"zh", "en"}, default "zh"
        Label language; checked with :func:`resolve_lang`.

    Yields
    ------
    str
        The language actually used (``"en"`` when ``"zh"`` was asked for but
        no CJK font exists).

    Notes
    -----
    ``rcParams`` are changed only inside the block (``matplotlib.rc_context``)
    and restored afterwards, also after an error.  Text created inside keeps
    the package's fonts when drawn or saved later.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from mutualaid_analysis.plots import use_style
    >>> with use_style("zh"):  # doctest: +SKIP
    ...     fig, ax = plt.subplots()
    ...     ax.set_title("亲属")
    """
    used = resolve_lang(lang)
    # Interactive mode is a session setting, not a style: Jupyter's inline
    # backend turns it on when the first figure is made, which may happen
    # inside this block; rc_context would turn it off again on leaving, and no
    # later figure of the session would show inline.  Keep what the block set.
    interactive = mpl.is_interactive()
    try:
        # (matplotlib's stubs take only literal rc keys)
        with mpl.rc_context(style_rc()):  # type: ignore[arg-type]
            try:
                yield used
            finally:
                interactive = mpl.is_interactive()
    finally:
        mpl.interactive(interactive)


def check_min_count(min_count: Any) -> int:
    """``min_count`` as a positive integer (the small-count threshold of a figure)."""
    if isinstance(min_count, bool) or not isinstance(min_count, int | np.integer) or min_count < 1:
        raise UsageError(f"min_count must be a positive integer; got {min_count!r}.")
    return int(min_count)


def shown_count(n: int, min_count: int) -> str:
    """A count as a figure shows it: ``"<5"`` when ``0 < n < min_count`` (small-count rule)."""
    return f"<{min_count}" if 0 < n < min_count else str(int(n))


def get_axes(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    """``ax``, or a new Axes on a new figure (never the user's current figure).

    Call inside :func:`use_style` so that a new figure gets the style.
    """
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax
    _fig, new = plt.subplots(figsize=figsize)
    return new


def apply_fonts(ax: Axes) -> None:
    """Give every text of ``ax`` (and its figure) that holds Chinese the package's fonts.

    Needed when the caller passed an Axes created outside :func:`use_style`:
    its tick labels and titles were made with the caller's font.
    """
    from matplotlib.text import Text

    family = font_family()
    for artist in [*ax.findobj(Text), *ax.get_xticklabels(), *ax.get_yticklabels()]:
        if has_cjk(artist.get_text()):
            artist.set_fontfamily(family)
    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_major_ticks():
            axis.get_major_ticks()[0].label1.set_fontfamily(family)


# --------------------------------------------------------------------------- labels
# Labels, GLOSSARY and TEXT live in mutualaid_analysis.labels, shared with the report.


def willingness_scale(codebook: Codebook | None) -> dict[str, Any]:
    """The response scale of the willingness items (values and labels), if the codebook has one."""
    if codebook is None:
        return {}
    items = codebook.willingness_items()
    if items.empty:
        return {}
    v = codebook.variables[str(items["variable"].iloc[0])]
    return {"values": v.values or {}, "values_en": v.values_en or {}}


# --------------------------------------------------------------------------- saving

Format = Literal["png", "svg", "pdf"]
FORMATS: tuple[str, ...] = get_args(Format)

_CREATOR = "mutualaid_analysis"


def save_figure(
    fig: Figure,
    path_stem: str | Path,
    formats: Sequence[str] = ("png", "svg", "pdf"),
    dpi: int = 300,
    **kwargs: Any,
) -> list[Path]:
    """Save ``fig`` in several formats, identically on every run.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path_stem : str or Path
        Path without extension; ``".png"`` etc. are appended.  The folder is
        created if needed.
    formats : sequence of {"png", "svg", "pdf"}, default ("png", "svg", "pdf")
    dpi : int, default 300
        Resolution of the PNG (SVG and PDF are vector).
    **kwargs
        Passed to :meth:`matplotlib.figure.Figure.savefig` (e.g.
        ``bbox_inches``, ``facecolor``).

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.

    Notes
    -----
    Reproducibility: the SVG's date and the PDF's creation date are left
    out, the creator is ``"mutualaid_analysis"`` (no version numbers that
    differ between installations), SVG element ids come from a fixed
    ``svg.hashsalt``, and text is drawn as paths (SVG) or embedded subset
    fonts (PDF), so the same figure gives the same bytes.

    Examples
    --------
    >>> from mutualaid_analysis.plots import save_figure
    >>> save_figure(ax.figure, "figures/ripple")  # doctest: +SKIP
    [PosixPath('figures/ripple.png'), PosixPath('figures/ripple.svg'), ...]
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise UsageError(f"formats must be among {', '.join(map(repr, FORMATS))}; got {bad}.")
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        "png": {"Software": _CREATOR},
        "svg": {"Date": None, "Creator": _CREATOR},
        "pdf": {"CreationDate": None, "ModDate": None, "Creator": _CREATOR, "Producer": _CREATOR},
    }
    out = []
    rc = {
        "svg.hashsalt": "mutualaid_analysis",
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
        "savefig.bbox": "tight",
    }
    with mpl.rc_context(rc):  # type: ignore[arg-type]  # as in use_style
        for fmt in formats:
            path = stem.with_name(stem.name + "." + fmt)
            opts = {"dpi": dpi} if fmt == "png" else {}
            buf = io.BytesIO()  # rendered first, then written whole (no half-written figure)
            fig.savefig(buf, format=fmt, metadata=metadata[fmt], **{**opts, **kwargs})
            write_bytes_atomic(path, buf.getvalue())
            out.append(path)
    return out


def warn_survey_given(old: str, new: str) -> None:
    """Warn that a plot function was given a Survey, which is deprecated (one release).

    The plots draw results; ``old`` names the call as made, ``new`` the
    analysis to call instead.  The warning points at the caller of the plot
    function.
    """
    import warnings

    warnings.warn(
        f"plots.{old} with a Survey is deprecated and will be removed in the next release: "
        f"the plots draw results; use {new}.",
        FutureWarning,
        stacklevel=3,
    )
