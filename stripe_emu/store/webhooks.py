"""SQL for webhook deliveries: the `webhook_deliveries` queue and its `webhook_attempts`.

Deliveries are queued in the transaction that records their event, claimed by a worker with a
guarded UPDATE under the write lock (so workers sharing a file never send one twice), and
settled with a guard on the attempt number (a worker whose lease ran out cannot overwrite the
worker that took the delivery over). Times here are wall-clock seconds.
"""
import json

# Deliveries Stripe has not yet succeeded in making: what `pending_webhooks` counts.
_UNDELIVERED = "('pending', 'delivering', 'failed')"
_DUE = ("(status = 'pending' AND next_attempt <= :now)"
        " OR (status = 'delivering' AND lease_until <= :now)")


def enabled_endpoints(db, account):
    """The account's enabled webhook endpoints, as stored."""
    rows = db.execute("SELECT data FROM objects WHERE account = ? AND object = 'webhook_endpoint'"
                      " AND status = 'enabled' ORDER BY seq", (account,)).fetchall()
    return [json.loads(row[0]) for row in rows]


def enqueue(db, account, event_id, targets, now):
    """Queue `event_id` for each (endpoint, url, secret) of `targets`."""
    db.executemany(
        "INSERT OR IGNORE INTO webhook_deliveries (account, event, endpoint, url, secret, status,"
        " next_attempt) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
        [(account, event_id, endpoint, url, secret, now) for endpoint, url, secret in targets])


def has_work(db):
    return db.execute("SELECT 1 FROM webhook_deliveries WHERE status IN ('pending', 'delivering')"
                      " LIMIT 1").fetchone() is not None


def next_due(db):
    """The earliest time a delivery becomes claimable, or None when none is waiting."""
    row = db.execute(
        "SELECT min(t) FROM (SELECT min(next_attempt) AS t FROM webhook_deliveries"
        " WHERE status = 'pending' UNION ALL SELECT min(lease_until) FROM webhook_deliveries"
        " WHERE status = 'delivering')").fetchone()
    return row[0]


# Each endpoint's first due deliveries are read through an index (a hanging endpoint's
# backlog is not scanned at every claim); those within the fair shares are taken in turns.
_CLAIM = (
    "WITH RECURSIVE busy_endpoints AS (SELECT endpoint, count(*) AS n FROM webhook_deliveries"
    "  WHERE status = 'delivering' AND lease_until > :now GROUP BY endpoint),"
    " busy_accounts AS (SELECT account, count(*) AS n FROM webhook_deliveries"
    "  WHERE status = 'delivering' AND lease_until > :now GROUP BY account),"
    # Every endpoint with pending rows, one index probe each (a loose index scan).
    " pending_endpoints(endpoint) AS (SELECT min(endpoint) FROM webhook_deliveries"
    "  WHERE status = 'pending' UNION ALL SELECT (SELECT min(endpoint)"
    "  FROM webhook_deliveries WHERE status = 'pending'"
    "  AND endpoint > pending_endpoints.endpoint) FROM pending_endpoints"
    "  WHERE endpoint IS NOT NULL),"
    " due_endpoints AS (SELECT endpoint FROM pending_endpoints WHERE endpoint IS NOT NULL"
    "  UNION SELECT endpoint FROM webhook_deliveries"
    "  WHERE status = 'delivering' AND lease_until <= :now),"
    " heads AS (SELECT d.seq FROM due_endpoints e JOIN webhook_deliveries d ON d.seq IN"
    "  (SELECT seq FROM webhook_deliveries WHERE status = 'pending' AND endpoint = e.endpoint"
    "   AND next_attempt <= :now ORDER BY next_attempt, seq LIMIT :per_endpoint)"
    "  UNION ALL SELECT d.seq FROM due_endpoints e JOIN webhook_deliveries d ON d.seq IN"
    "  (SELECT seq FROM webhook_deliveries WHERE status = 'delivering'"
    "   AND endpoint = e.endpoint AND lease_until <= :now LIMIT :per_endpoint)),"
    " due AS (SELECT seq, account, endpoint, next_attempt, row_number() OVER"
    "  (PARTITION BY endpoint ORDER BY next_attempt, seq) AS endpoint_turn"
    "  FROM webhook_deliveries WHERE seq IN (SELECT seq FROM heads)),"
    " allowed AS (SELECT due.*, row_number() OVER (PARTITION BY account"
    "  ORDER BY endpoint_turn, next_attempt, seq) AS account_turn FROM due"
    "  LEFT JOIN busy_endpoints USING (endpoint)"
    "  WHERE endpoint_turn + coalesce(busy_endpoints.n, 0) <= :per_endpoint)"
    " UPDATE webhook_deliveries SET status = 'delivering', lease_until = :lease,"
    " attempts = attempts + 1"
    " WHERE seq IN (SELECT seq FROM allowed LEFT JOIN busy_accounts USING (account)"
    "  WHERE account_turn + coalesce(busy_accounts.n, 0) <= :per_account"
    "  ORDER BY account_turn, endpoint_turn, next_attempt, seq LIMIT :limit)"
    f" AND ({_DUE})"
    " RETURNING seq, account, event, endpoint, url, secret, attempts")


def cancel_due_for_disabled(db, now):
    """Cancel the due deliveries of disabled endpoints: "If your endpoint has been disabled or
    deleted when Stripe attempts a retry, future retries of that event are prevented" (an
    endpoint enabled again before the retry is due still gets it)."""
    db.execute("UPDATE webhook_deliveries SET status = 'canceled' WHERE status = 'pending'"
               " AND next_attempt <= ? AND endpoint IN (SELECT id FROM objects"
               " WHERE object = 'webhook_endpoint' AND status = 'disabled')", (now,))


def claim_due(db, now, lease_until, limit, per_endpoint, per_account):
    """Claim up to `limit` due deliveries for one attempt each; returns them as dicts with
    the number of the attempt now being made, `payload`, their event's stored JSON, and
    `api_version`, the version their webhook endpoint asked for (None: not asked, or an
    endpoint given on the command line).

    Fair shares: an endpoint never has more than `per_endpoint` attempts under way (counting
    every worker's live leases), nor an account more than `per_account`; and the claim goes
    round-robin, each account's first delivery before any account's second, and within an
    account each endpoint's first before any endpoint's second."""
    claimed = [dict(row) for row in db.execute(_CLAIM, {
        "now": now, "lease": lease_until, "limit": limit, "per_endpoint": per_endpoint,
        "per_account": per_account}).fetchall()]
    if claimed:
        ids = {row["event"] for row in claimed} | {row["endpoint"] for row in claimed}
        found = dict(db.execute(
            "SELECT id, data FROM objects WHERE id IN (%s)" % ",".join("?" * len(ids)),
            list(ids)).fetchall())
        for row in claimed:
            row["payload"] = found[row["event"]]
            endpoint = found.get(row["endpoint"])
            row["api_version"] = json.loads(endpoint).get("api_version") if endpoint else None
    return claimed


def settle(db, seq, attempt, outcome, next_attempt, started, duration_ms, status_code, error):
    """Record attempt `attempt` and move the delivery to `outcome` ('succeeded', 'failed' or
    'pending' again at `next_attempt`). False if another worker has taken the delivery over."""
    cursor = db.execute(
        "UPDATE webhook_deliveries SET status = ?, next_attempt = ?, lease_until = NULL"
        " WHERE seq = ? AND status = 'delivering' AND attempts = ?",
        (outcome, next_attempt, seq, attempt))
    if cursor.rowcount != 1:
        return False
    db.execute("INSERT INTO webhook_attempts (delivery, attempt, started, duration_ms,"
               " status_code, error) VALUES (?, ?, ?, ?, ?, ?)",
               (seq, attempt, started, duration_ms, status_code, error))
    return True


def retarget(db, endpoint, url):
    """Send the endpoint's deliveries still to come to its new URL."""
    db.execute("UPDATE webhook_deliveries SET url = ? WHERE endpoint = ? AND status = 'pending'",
               (url, endpoint))


def cancel(db, endpoint):
    """A deleted endpoint receives nothing more."""
    db.execute("UPDATE webhook_deliveries SET status = 'canceled' WHERE endpoint = ?"
               " AND status IN ('pending', 'delivering')", (endpoint,))


def undelivered_counts(db, event_ids):
    """{event id: deliveries not (yet) successful} for the given events."""
    if not event_ids:
        return {}
    rows = db.execute(
        "SELECT event, count(*) FROM webhook_deliveries WHERE event IN (%s) AND status IN %s"
        " GROUP BY event" % (",".join("?" * len(event_ids)), _UNDELIVERED),
        list(event_ids)).fetchall()
    return dict(rows)


def deliveries(db, account=None, event=None, endpoint=None, status=None):
    """Deliveries, oldest first, each with the list of its attempts."""
    where, args = [], []
    for column, value in (("account", account), ("event", event), ("endpoint", endpoint),
                          ("status", status)):
        if value is not None:
            where.append(f"d.{column} = ?")
            args.append(value)
    rows = db.execute(
        "SELECT d.seq, d.account, d.event, d.endpoint, d.url, d.status, d.next_attempt,"
        " json_extract(o.data, '$.type') AS type FROM webhook_deliveries d"
        " LEFT JOIN objects o ON o.id = d.event"
        + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY d.seq", args).fetchall()
    attempts = {}
    if rows:
        for attempt in db.execute(
                "SELECT delivery, attempt, started, duration_ms, status_code, error"
                " FROM webhook_attempts WHERE delivery IN (%s) ORDER BY delivery, attempt"
                % ",".join("?" * len(rows)), [row["seq"] for row in rows]):
            attempts.setdefault(attempt["delivery"], []).append(
                {key: attempt[key] for key in attempt.keys() if key != "delivery"})
    return [dict({key: row[key] for key in row.keys() if key != "seq"},
                 attempts=attempts.get(row["seq"], [])) for row in rows]
