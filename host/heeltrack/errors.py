"""The one exception type the CLI turns into a one-line message and exit status 2.

The library words its messages without command-line flags, so that a script calling it reads
them as well as a user of the CLI does. What a message is about goes with it as data:

    >>> raise UserError("several boards found; choose one", option="port")

and the CLI adds the flag of the command at hand ("... (--port PORT)").
"""


class UserError(Exception):
    """Bad input or environment: the message says what was wrong and what to do.

    `option`: the setting the error is about ("db", "port", "board", "fs", "firmware",
    "bootrom"), the dest of the command-line option that sets it; None if none does."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option
