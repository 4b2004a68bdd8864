"""Registry of subcommands: each module adds its parser and a ``func(args) -> int``."""

from __future__ import annotations

from . import draft, init, run, simulate, validate

REGISTRY = [run.register, init.register, validate.register, simulate.register, draft.register]
