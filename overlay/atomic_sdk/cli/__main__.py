"""``python -m atomic_sdk.cli``: the same command line as the ``atomic-sdk`` console script."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
