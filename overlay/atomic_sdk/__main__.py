"""``python -m atomic_sdk``: the same command line as the ``atomic-sdk`` console script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
