"""The virtual board's boot code (boot.py), run by the unix port; package data of the host."""
