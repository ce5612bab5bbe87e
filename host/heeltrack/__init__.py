"""HeelTrack laptop tools: analyse, simulate, flash, sync, report."""
