"""Registry of subcommands: each module adds its parser and a ``func(args) -> int``."""

from __future__ import annotations

from . import draft, simulate, validate

REGISTRY = [validate.register, simulate.register, draft.register]
