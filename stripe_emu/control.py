"""Control plane under /_emu/ (placeholder)."""
from . import routing, errors


def handle(app, environ, start_response):
    start_response("404 Not Found", [("Content-Type", "application/json")])
    return [b'{}']
