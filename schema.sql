-- The one schema of stripe_emu. Applied on open when PRAGMA user_version is behind
-- stripe_emu/store/db.py:SCHEMA_VERSION; every statement is idempotent. A database whose
-- user_version is ahead (written by a newer stripe_emu) is refused, never migrated back.

-- Every Stripe object (customer, card, bank_account, source, token, event, webhook_endpoint)
-- is one row: its Stripe JSON in `data`, and the fields the API filters, orders or guards on
-- copied into indexed columns. `seq` is the insertion order: lists are newest first by seq,
-- and cursors (starting_after / ending_before) compare seqs, which stay monotonic across
-- processes because SQLite hands them out under the write lock.
CREATE TABLE IF NOT EXISTS objects (
    seq      INTEGER PRIMARY KEY,
    id       TEXT    NOT NULL UNIQUE,
    account  TEXT    NOT NULL,
    object   TEXT    NOT NULL,
    customer TEXT,
    status   TEXT,
    type     TEXT,
    created  INTEGER NOT NULL,
    data     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_by_kind ON objects (account, object, seq);
CREATE INDEX IF NOT EXISTS objects_by_customer ON objects (customer, seq)
    WHERE customer IS NOT NULL;
CREATE INDEX IF NOT EXISTS objects_by_type ON objects (account, object, type, seq);
CREATE INDEX IF NOT EXISTS customers_by_email ON objects (account, json_extract(data, '$.email'))
    WHERE object = 'customer';

-- Idempotent requests up to schema version 3, superseded by idempotent_requests (at the end):
-- no longer read or written, kept so that older databases and snapshots still open.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    account          TEXT    NOT NULL,
    key              TEXT    NOT NULL,
    request          TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('in_flight', 'done')),
    response_status  INTEGER,
    response_body    BLOB,
    original_request TEXT    NOT NULL,
    created          INTEGER NOT NULL,
    locked_at        REAL    NOT NULL,
    PRIMARY KEY (account, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idempotency_keys_by_created ON idempotency_keys (created);

-- Webhook deliveries (stripe_emu/store/webhooks.py): one row per (event, endpoint), queued in
-- the transaction that records the event. The URL and secret are copied so that any worker
-- sharing the file can deliver it, including to another process's command-line endpoints.
-- A worker claims a row by moving it to 'delivering' with a lease (a guarded UPDATE under
-- the write lock); a lease that runs out (a crashed worker) makes the row claimable again.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    seq          INTEGER PRIMARY KEY,
    account      TEXT    NOT NULL,
    event        TEXT    NOT NULL,
    endpoint     TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    secret       TEXT    NOT NULL,
    status       TEXT    NOT NULL
        CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed', 'canceled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL    NOT NULL,
    lease_until  REAL,
    UNIQUE (event, endpoint)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (status, next_attempt);

-- Every delivery attempt and its outcome, for tests and the control plane.
CREATE TABLE IF NOT EXISTS webhook_attempts (
    delivery    INTEGER NOT NULL REFERENCES webhook_deliveries (seq),
    attempt     INTEGER NOT NULL,
    started     REAL    NOT NULL,
    duration_ms REAL    NOT NULL,
    status_code INTEGER,
    error       TEXT,
    PRIMARY KEY (delivery, attempt)
) WITHOUT ROWID;

-- Faults injected through the control plane (stripe_emu/faults.py): in the database rather
-- than in one process, so every worker serving this file sees them and each is consumed once.
-- A NULL account, method or path matches any.
CREATE TABLE IF NOT EXISTS emu_faults (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL,
    remaining       INTEGER NOT NULL,
    account         TEXT,
    method          TEXT,
    path            TEXT,
    after_execution INTEGER NOT NULL DEFAULT 0
);

-- Payments (stripe_emu/payments/timers.py, stripe_emu/store/payments.py): the moves Stripe
-- makes on its own once their time has come — an uncaptured charge expiring after 7 days, an
-- ACH debit charge settling. One row per object waiting; the write transaction of any API
-- request runs what is due (one indexed query) and deletes the row in the same transaction.
CREATE TABLE IF NOT EXISTS payment_timers (
    object  TEXT    PRIMARY KEY,
    account TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    due     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS payment_timers_by_due ON payment_timers (due);

-- Webhook fair shares (stripe_emu/store/webhooks.py claim_due): each endpoint's earliest due
-- deliveries, read in order without scanning another endpoint's backlog.
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_endpoint
    ON webhook_deliveries (status, endpoint, next_attempt);

-- Idempotent requests (stripe_emu/store/idempotency.py), from schema version 4: the first
-- result of a POST per account and Idempotency-Key, replayed byte for byte, written in the
-- transaction that executed the request. `request` is a hash of method, path and parameters;
-- `created` is on the app's clock (24-hour expiry). A rowid table: its rows carry the whole
-- answer, and inserting them into a WITHOUT ROWID table (idempotency_keys) cost three times
-- as much.
CREATE TABLE IF NOT EXISTS idempotent_requests (
    seq              INTEGER PRIMARY KEY,
    account          TEXT    NOT NULL,
    key              TEXT    NOT NULL,
    request          TEXT    NOT NULL,
    response_status  INTEGER NOT NULL,
    response_body    BLOB    NOT NULL,
    original_request TEXT    NOT NULL,
    created          INTEGER NOT NULL,
    UNIQUE (account, key)
);
CREATE INDEX IF NOT EXISTS idempotent_requests_by_created ON idempotent_requests (created);
