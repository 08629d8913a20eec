"""``python -m precog`` is ``precog``."""

import sys

from precog.cli import main

sys.exit(main())
