"""``python -m bench SUBCOMMAND``, the same as the installed ``vecbench SUBCOMMAND``."""

import sys

from bench.cli import console_main

sys.exit(console_main())
