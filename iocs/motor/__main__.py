"""``python -m iocs.motor``: run the motor IOC."""
from .ioc import main

main()
