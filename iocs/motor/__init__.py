"""The motor IOC: mock EPICS motor records."""
