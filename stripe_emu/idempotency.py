"""Idempotent requests (placeholder: executes every request)."""


def run(req, execute):
    status, body = execute()
    return status, body, []


def record_inside(req, status, body):
    pass
