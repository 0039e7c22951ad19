"""``python -m isf`` runs the command line."""

import sys

from isf.cli.main import main

sys.exit(main())
