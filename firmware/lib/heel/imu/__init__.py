"""IMU drivers, one module per chip."""
