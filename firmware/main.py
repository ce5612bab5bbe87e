"""HeelTrack firmware entry point: copied to the board's / as main.py by `heeltrack flash`.

Runs the app as the board file and the configuration say (heel.start: /board.json picks the
IMU driver and pins, /config.json the exercise program). Ctrl-C stops the app (the session is
closed) and leaves the REPL, as usual.

    >>> import main          # at the REPL: start the app again
"""

from heel.start import main

main()
