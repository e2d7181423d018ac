"""SQL for idempotent requests: the `idempotency_keys` table (see schema.sql).

Every function takes an open transaction's connection. The guards on `original_request`
make a request that lost its key (it was taken over as stale) unable to write over the
request that took it.
"""


def prune(db, expired_before):
    """Forget the keys created at or before `expired_before` (Stripe prunes after 24 hours)."""
    db.execute("DELETE FROM idempotency_keys WHERE created <= ?", (expired_before,))


def lookup(db, account, key):
    return db.execute(
        "SELECT request, status, response_status, response_body, original_request, created,"
        " locked_at FROM idempotency_keys WHERE account = ? AND key = ?", (account, key)).fetchone()


def claim(db, account, key, request, request_id, created, locked_at):
    """Mark the key in flight for `request_id` (a new key, or one taken over as stale)."""
    db.execute(
        "INSERT OR REPLACE INTO idempotency_keys (account, key, request, status,"
        " original_request, created, locked_at) VALUES (?, ?, ?, 'in_flight', ?, ?, ?)",
        (account, key, request, request_id, created, locked_at))


def finish(db, account, key, request_id, status, body):
    """Store the result of the request holding the key; False if it no longer holds it."""
    cursor = db.execute(
        "UPDATE idempotency_keys SET status = 'done', response_status = ?, response_body = ?"
        " WHERE account = ? AND key = ? AND original_request = ? AND status = 'in_flight'",
        (status, body, account, key, request_id))
    return cursor.rowcount == 1


def release(db, account, key, request_id):
    """Drop the key held by `request_id`, so that the request can be retried with it."""
    db.execute(
        "DELETE FROM idempotency_keys WHERE account = ? AND key = ? AND original_request = ?"
        " AND status = 'in_flight'", (account, key, request_id))
