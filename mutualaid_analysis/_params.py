"""The package's shared parameters: one name, one check, one seed rule.

Every public function spells a shared idea the same way:

* ``conf_level`` -- the confidence level of intervals, a float in (0, 1)
  (default 0.95; R's ``conf.level``).  It is never ``alpha`` (which is
  also Cronbach's alpha and a significance level) nor ``level``.
* ``n_boot`` -- bootstrap replications; ``n_draws`` -- random assignments
  of a randomisation test (a different quantity).
* ``seed`` -- ``int``, :class:`numpy.random.Generator` or ``None``
  (keyword-only).  ``None`` draws fresh entropy and the integer drawn is
  recorded in the result, so that any run can be repeated.

The old names ``alpha=`` (``alpha=a`` is ``conf_level=1 - a``), ``level=``
and ``B=`` are accepted for one release, with a :class:`FutureWarning`,
by the one decorator :func:`renamed_arguments`; giving an old name and its
new name together is a :class:`~mutualaid_analysis.UsageError`.
"""

from __future__ import annotations

import functools
import inspect
import secrets
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from .exceptions import UsageError

__all__ = [
    "ALIASES",
    "alpha_of",
    "Seed",
    "check_conf_level",
    "check_count",
    "check_seed",
    "describe_seed",
    "fresh_seed",
    "recorded_seed",
    "renamed_arguments",
    "seed_int",
]

F = TypeVar("F", bound=Callable[..., Any])

#: ``int``, a numpy ``Generator`` (or the package's own per-stream ``SeedSequence``),
#: or ``None`` (fresh entropy, recorded).
Seed = int | np.random.Generator | np.random.SeedSequence | None

#: The largest seed drawn by :func:`fresh_seed` is ``2**63 - 1``, the range
#: that the configuration's ``[inference] seed`` accepts.
_SEED_BITS = 63


def _one_minus(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise UsageError(f"alpha must be a number strictly between 0 and 1; got {value!r}.")
    if not 0 < float(value) < 1:
        raise UsageError(
            f"alpha must be strictly between 0 and 1 (alpha=a means conf_level=1-a); got {value!r}."
        )
    return 1 - float(value)


#: The deprecated names: old name -> (new name, conversion of the value, how to say it).
ALIASES: dict[str, tuple[str, Callable[[Any], Any] | None, str]] = {
    "alpha": ("conf_level", _one_minus, "alpha=a means conf_level=1-a"),
    "level": ("conf_level", None, "level=x means conf_level=x"),
    "B": ("n_boot", None, "B=n means n_boot=n"),
}


def renamed_arguments(*old: str) -> Callable[[F], F]:
    """Accept deprecated argument names for one release, with a FutureWarning.

    Parameters
    ----------
    *old : str
        Old names, each a key of :data:`ALIASES` (``"alpha"``, ``"level"``,
        ``"B"``) whose new name is a parameter of the decorated function.

    Returns
    -------
    callable
        A decorator.  The decorated function keeps its signature (the new
        names only: :func:`inspect.signature` follows ``__wrapped__``); a
        call with an old keyword warns (:class:`FutureWarning`, naming the
        new argument), converts the value (``alpha=a`` becomes
        ``conf_level=1 - a``) and passes it on under the new name.

    Raises
    ------
    UsageError
        At call time, when an old name and its new name are both given.

    Examples
    --------
    >>> @renamed_arguments("alpha")
    ... def interval(x, *, conf_level=0.95):
    ...     return conf_level
    >>> interval(1, conf_level=0.9)
    0.9
    """
    for name in old:
        if name not in ALIASES:
            raise ValueError(f"no alias {name!r}; known: {sorted(ALIASES)}")

    def decorate(func: F) -> F:
        params = inspect.signature(func).parameters
        for name in old:
            new = ALIASES[name][0]
            if new not in params:
                raise ValueError(f"{func.__qualname__} has no parameter {new!r} for {name!r}")
            if name in params:
                raise ValueError(f"{func.__qualname__} still has the old parameter {name!r}")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for name in old:
                if name not in kwargs:
                    continue
                new, convert, meaning = ALIASES[name]
                value = kwargs.pop(name)
                if new in kwargs:
                    raise UsageError(
                        f"{func.__name__}() got both {name}= and {new}=; give {new}= only "
                        f"({name}= is its old name: {meaning})."
                    )
                warnings.warn(
                    f"{func.__name__}({name}=...) is deprecated and will be removed in the "
                    f"next release; use {new}= instead ({meaning}).",
                    FutureWarning,
                    stacklevel=2,
                )
                kwargs[new] = convert(value) if convert is not None else value
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def check_conf_level(value: Any, name: str = "conf_level") -> float:
    """``value`` as a float if it is strictly between 0 and 1, else UsageError.

    Parameters
    ----------
    value : float
        A confidence level such as 0.95.
    name : str, default "conf_level"
        The argument's name, for the message.

    Returns
    -------
    float

    Raises
    ------
    UsageError
        Not a number, or not in (0, 1) (the message suggests 0.95 for 95).
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.floating | np.integer)
        or not 0 < value < 1
    ):
        hint = ""
        if isinstance(value, int | float) and not isinstance(value, bool) and 1 < value < 100:
            hint = f" (for {value:g}% write {name}={value / 100:g})"
        raise UsageError(f"{name} must be strictly between 0 and 1; got {value!r}{hint}.")
    return float(value)


def check_count(value: Any, name: str, minimum: int = 1) -> int:
    """``value`` as an int if it is an integer >= ``minimum``, else UsageError.

    The one check of replication counts (``n_boot``, ``n_draws``) and other
    counts (``max_enumerate``).

    Parameters
    ----------
    value : int
    name : str
        The argument's name, for the message.
    minimum : int, default 1

    Returns
    -------
    int

    Raises
    ------
    UsageError
        A bool, a non-integer (``9999.0`` included) or a value below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise UsageError(f"{name} must be {kind}; got {value!r}.")
    return int(value)


def fresh_seed() -> int:
    """A seed from the operating system's entropy, in ``[0, 2**63)``.

    Returns
    -------
    int
        Recorded in a result so that the run can be repeated with ``seed=``.
    """
    return secrets.randbits(_SEED_BITS)


def check_seed(
    seed: Any, name: str = "seed", *, integer_only: bool = False
) -> int | np.random.Generator | np.random.SeedSequence:
    """The one seed check: what a function that draws random numbers uses.

    Parameters
    ----------
    seed : int, numpy.random.Generator or None
        A non-negative integer (returned as an int; numpy integers and 0-d
        arrays too), a Generator (returned as is: its stream is used), or
        None: a fresh integer from :func:`fresh_seed`, which the caller
        records in its result.  A :class:`numpy.random.SeedSequence` (the
        package's own per-stream seeds) is passed through too.
    name : str, default "seed"
    integer_only : bool, default False
        Accept only an integer (a simulation is named by its seed).

    Returns
    -------
    int, Generator or SeedSequence

    Raises
    ------
    UsageError
        Anything else (a negative number, a float, a bool, text).
    """
    if hasattr(seed, "dtype") and getattr(seed, "ndim", 1) == 0:
        seed = seed.item()
    if not integer_only:
        if seed is None:
            return fresh_seed()
        if isinstance(seed, np.random.Generator | np.random.SeedSequence):
            return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        also = "" if integer_only else ", a numpy Generator or None"
        raise UsageError(f"{name} must be a non-negative whole number{also}; got {seed!r}.")
    return int(seed)


def seed_int(seed: Any, name: str = "seed") -> int:
    """``seed`` checked (:func:`check_seed`) and made an integer.

    For functions that derive one stream per part of the analysis from an
    integer (``SeedSequence(seed, spawn_key=...)``): a Generator gives an
    integer drawn from it, so the run is repeated with ``seed=`` that
    integer (which the caller records).

    Returns
    -------
    int
    """
    checked = check_seed(seed, name)
    if isinstance(checked, np.random.Generator):
        return int(checked.integers(0, 2**_SEED_BITS))
    if isinstance(checked, np.random.SeedSequence):
        return int(checked.generate_state(1, np.uint64)[0] >> (64 - _SEED_BITS))
    return checked


def describe_seed(seed: Any) -> str:
    """A checked seed as the ``method`` text says it: the integer, or where it came from."""
    if isinstance(seed, int):
        return str(seed)
    if isinstance(seed, np.random.Generator):
        return "a numpy Generator's stream"
    return "a derived stream"


def recorded_seed(seed: Any) -> int | None:
    """What a result records of a checked seed: the integer, or None for a Generator."""
    return seed if isinstance(seed, int) else None


def alpha_of(conf_level: Any, name: str = "conf_level") -> float:
    """The significance level ``1 - conf_level`` of a checked confidence level.

    Rounded to 12 decimals, so that ``conf_level=0.95`` gives exactly the
    ``0.05`` of the former ``alpha=0.05`` (not ``0.050000000000000044``)
    and the numbers of a function that works with ``alpha`` do not move.

    Parameters
    ----------
    conf_level : float
        Checked with :func:`check_conf_level`.
    name : str, default "conf_level"

    Returns
    -------
    float

    Examples
    --------
    >>> alpha_of(0.95)
    0.05
    """
    return round(1 - check_conf_level(conf_level, name), 12)
