"""The one exception type users see: a message that names the fix, printed on one line."""


class PrecogError(Exception):
    """A user-facing error. The CLI prints ``precog: error: <message>`` and exits 2."""
