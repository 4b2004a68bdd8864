"""Every warning and error class lives in mutualaid_analysis.exceptions and is exported."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import mutualaid_analysis as ma
from mutualaid_analysis import exceptions


def _package_classes():
    for info in pkgutil.walk_packages(ma.__path__, prefix="mutualaid_analysis."):
        if info.name.endswith("__main__"):
            continue  # importing it runs the command line
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, Exception | Warning)
                    and obj.__module__.startswith("mutualaid_analysis")):
                yield module.__name__, name, obj


def test_every_public_warning_and_error_is_defined_in_exceptions():
    found = {}
    for module, name, cls in _package_classes():
        if name.startswith("_"):
            continue  # a module's private signal (readers' _TooManyFields), never raised to users
        found[name] = cls
        assert cls.__module__ == "mutualaid_analysis.exceptions", (module, name)
    for name in ("ConfigError", "FontWarning", "BoundaryWarning", "HessianWarning",
                 "CodebookDraftWarning"):
        assert name in found
    for name, cls in found.items():
        assert name in exceptions.__all__, name
        assert name in ma.__all__, name
        assert getattr(ma, name) is cls


def test_old_import_locations_still_work():
    from mutualaid_analysis.data.draft import CodebookDraftWarning
    from mutualaid_analysis.models import BoundaryWarning, HessianWarning
    from mutualaid_analysis.models.clmm import BoundaryWarning as B2
    from mutualaid_analysis.plots import FontWarning
    from mutualaid_analysis.report import ConfigError
    from mutualaid_analysis.report.config import ConfigError as C2

    assert CodebookDraftWarning is ma.CodebookDraftWarning
    assert BoundaryWarning is B2 is ma.BoundaryWarning and HessianWarning is ma.HessianWarning
    assert FontWarning is ma.FontWarning
    assert ConfigError is C2 is ma.ConfigError
    assert issubclass(ma.ConfigError, ma.UsageError)
    assert issubclass(ma.FontWarning, ma.MutualAidWarning)
    err = ma.ConfigError(["a", "b"], "x.toml")
    assert str(err).startswith("The configuration x.toml has 2 problems:")
    assert err.problems == ["a", "b"] and err.partial is None
