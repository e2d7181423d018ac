"""Fault injection: make the next requests fail the way Stripe occasionally does."""
import threading

from . import errors


class ConnectionDropped(Exception):
    """Raised out of the WSGI app: the server closes the connection without a response."""


class FaultQueue:
    def __init__(self):
        self._lock = threading.Lock()
        self._pending = []

    def take(self, method, path):
        """The fault to inject into this request, or None."""
        if not self._pending:
            return None
        return None
