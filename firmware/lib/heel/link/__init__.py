"""Serial link: frame codec (shared with the host) and the device-side server."""
