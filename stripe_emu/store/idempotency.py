"""SQL for idempotent requests: the `idempotent_requests` table (see schema.sql).

Every function takes an open transaction's connection. A row is written once a request's
result is known, in the transaction that executed it.
"""


def prune(db, expired_before):
    """Forget the keys created at or before `expired_before` (Stripe prunes after 24 hours)."""
    db.execute("DELETE FROM idempotent_requests WHERE created <= ?", (expired_before,))


def lookup(db, account, key):
    return db.execute(
        "SELECT request, response_status, response_body, original_request, created"
        " FROM idempotent_requests WHERE account = ? AND key = ?", (account, key)).fetchone()


def save(db, account, key, request, request_id, created, status, body):
    """Store the result of the request executed with the key (replacing an expired row)."""
    db.execute(
        "INSERT OR REPLACE INTO idempotent_requests (account, key, request, response_status,"
        " response_body, original_request, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (account, key, request, status, body, request_id, created))
