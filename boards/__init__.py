"""The board catalogue: one JSON file per supported board (heel.board checks them; the host finds
them through heeltrack.firmware)."""
