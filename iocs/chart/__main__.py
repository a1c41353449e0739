"""``python -m iocs.chart``: run the chart IOC."""
from .ioc import main

main()
