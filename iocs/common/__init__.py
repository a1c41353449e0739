"""Channel Access plumbing shared by the IOCs: network modes, channels, autosave, remote PVs."""
