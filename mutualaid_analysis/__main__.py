"""``python -m mutualaid_analysis`` runs the ``mutualaid`` command."""

import sys

from .cli.main import main

sys.exit(main())
