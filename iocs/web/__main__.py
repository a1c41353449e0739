"""``python -m iocs.web``: the same as ``pvchart-web``."""
from .server import main

main()
