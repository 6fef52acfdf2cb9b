"""``python -m grader`` is the same as ``dlgrade``."""

import sys

from .cli import main

sys.exit(main())
