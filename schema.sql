-- The one schema of stripe_emu. Applied on open when PRAGMA user_version is behind
-- stripe_emu/store/db.py:SCHEMA_VERSION; every statement is idempotent.

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
