"""The chart IOC: the middle man that charts PVs and serves the chart as an image."""
