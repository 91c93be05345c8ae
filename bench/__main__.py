"""``python -m bench SUBCOMMAND``, the same as the installed ``vecbench SUBCOMMAND``."""

import sys

from bench.cli import main

sys.exit(main())
