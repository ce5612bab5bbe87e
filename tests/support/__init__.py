"""What the tests share: boards to talk to (in the unix port behind a pseudo-terminal, or in this
process behind an in-memory line), faults for the line, session files, simulated IMU data.
Nothing here is a test; pytest does not collect it."""
