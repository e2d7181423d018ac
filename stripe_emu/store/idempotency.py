"""SQL for idempotent requests: the `idempotency_keys` table (see schema.sql).

Every function takes an open transaction's connection. Rows are written once a request's
result is known, in the transaction that executed it; rows `in_flight` are left by older
versions of stripe_emu, whose requests are gone, and count as absent.
"""


def prune(db, expired_before):
    """Forget the keys created at or before `expired_before` (Stripe prunes after 24 hours)."""
    db.execute("DELETE FROM idempotency_keys WHERE created <= ?", (expired_before,))


def lookup(db, account, key):
    return db.execute(
        "SELECT request, status, response_status, response_body, original_request, created"
        " FROM idempotency_keys WHERE account = ? AND key = ? AND status = 'done'",
        (account, key)).fetchone()


def save(db, account, key, request, request_id, created, status, body):
    """Store the result of the request executed with the key (replacing an expired row)."""
    db.execute(
        "INSERT OR REPLACE INTO idempotency_keys (account, key, request, status,"
        " response_status, response_body, original_request, created, locked_at)"
        " VALUES (?, ?, ?, 'done', ?, ?, ?, ?, ?)",
        (account, key, request, status, body, request_id, created, created))
