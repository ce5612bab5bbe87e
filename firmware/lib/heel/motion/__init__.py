"""Hardware-free motion engine: calibration, orientation, detectors, sets."""
