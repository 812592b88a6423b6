"""`python -m atomic_docs`: what scripts/docs runs."""

import sys

from .site import main

sys.exit(main())
