"""The package's version: its one home.

Every module that needs the version imports it from here, never from the
package root (whose ``__init__`` imports the layers, so a layer importing the
root would close a circle).  ``pyproject.toml`` carries the same string; a
test keeps the two equal.
"""

from __future__ import annotations

__version__ = "0.1.0.dev0"
