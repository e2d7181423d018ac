"""SQL of money movement: the timers of moves Stripe makes by itself (`payment_timers`, see
schema.sql) and the balance's sums over balance transactions."""

# How many due moves one request runs at most: a clock moved a year ahead must not make one
# request do unbounded work; the rest run with the next requests.
DUE_BATCH = 20


def set_timer(db, account, object_id, kind, due):
    """Wake `object_id` (a charge or refund) at `due` (app clock) for `kind` of move; replaces any
    timer it had."""
    db.execute("INSERT OR REPLACE INTO payment_timers (object, account, kind, due)"
               " VALUES (?, ?, ?, ?)", (object_id, account, kind, due))


def clear_timer(db, object_id):
    db.execute("DELETE FROM payment_timers WHERE object = ?", (object_id,))


def due(db, now):
    """(object, account, kind) of the timers due at `now`, earliest first: one indexed query."""
    return db.execute("SELECT object, account, kind FROM payment_timers WHERE due <= ?"
                      " ORDER BY due LIMIT ?", (now, DUE_BATCH)).fetchall()


def balance_sums(db, account, now):
    """[(currency, source type, available?, sum of net)] over the account's balance
    transactions; a transaction is available once its available_on has come."""
    return db.execute(
        "SELECT json_extract(data, '$.currency') AS currency,"
        " json_extract(data, '$._source_type') AS source_type,"
        " json_extract(data, '$.available_on') <= ? AS available,"
        " sum(json_extract(data, '$.net')) AS net"
        " FROM objects WHERE account = ? AND object = 'balance_transaction'"
        " GROUP BY 1, 2, 3 ORDER BY 1, 2", (now, account)).fetchall()
