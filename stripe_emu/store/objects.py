"""SQL for Stripe objects: one row per object in the `objects` table (see schema.sql).

Objects go in and come out as the Stripe JSON dicts the resources build; the indexed columns
are derived from those dicts here, so they can never disagree with the JSON.
"""
import json

_DUMPS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _columns(obj):
    customer = obj.get("customer")
    return {
        "customer": customer if isinstance(customer, str) else None,
        "status": "deleted" if obj.get("deleted") else obj.get("status"),
        "type": obj.get("type"),
    }


def insert(db, account, obj):
    cols = _columns(obj)
    db.execute(
        "INSERT INTO objects (id, account, object, customer, status, type, created, data)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (obj["id"], account, obj["object"], cols["customer"], cols["status"], cols["type"],
         obj["created"], _DUMPS(obj)))


def get(db, account, object_id):
    """The object with this id in this account, or None: other accounts' objects are invisible."""
    row = db.execute("SELECT data FROM objects WHERE id = ? AND account = ?",
                     (object_id, account)).fetchone()
    return json.loads(row[0]) if row else None


def update(db, account, obj, expect=None):
    """Write `obj` back; with `expect` ({column: allowed values}) only if the stored row still
    matches, so a status change is guarded by the status it starts from. Returns whether the
    row was written."""
    cols = _columns(obj)
    where, args = "id = ? AND account = ?", [obj["id"], account]
    for column, allowed in (expect or {}).items():
        allowed = allowed if isinstance(allowed, tuple) else (allowed,)
        conditions = [f"{column} IS NULL" if value is None else f"{column} = ?"
                      for value in allowed]
        where += " AND (" + " OR ".join(conditions) + ")"
        args += [value for value in allowed if value is not None]
    cursor = db.execute(
        f"UPDATE objects SET customer = ?, status = ?, type = ?, data = ? WHERE {where}",
        [cols["customer"], cols["status"], cols["type"], _DUMPS(obj), *args])
    return cursor.rowcount == 1


def delete(db, account, object_id):
    db.execute("DELETE FROM objects WHERE id = ? AND account = ?", (object_id, account))


def position(db, account, object_id):
    """(seq, object, customer) of an object, or None: a pagination cursor and what it names."""
    return db.execute("SELECT seq, object, customer FROM objects WHERE id = ? AND account = ?",
                      (object_id, account)).fetchone()


_CREATED_OPS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def page(db, account, objects, *, customer=None, types=None, type_prefix=None, email=None,
         created=None, exclude_status=None, limit=10, after=None, before=None):
    """One page of a list, newest first, and whether more lie beyond it.

    `after` / `before` are cursor seqs (starting_after / ending_before). Fetches limit + 1
    rows to learn has_more without a count.
    """
    if customer is not None:
        where, args = "customer = ?", [customer]
    else:
        where, args = "account = ?", [account]
    where += " AND object IN (%s)" % ",".join("?" * len(objects))
    args += list(objects)
    if customer is not None:
        where += " AND account = ?"
        args.append(account)
    if types:
        where += " AND type IN (%s)" % ",".join("?" * len(types))
        args += list(types)
    if type_prefix:
        where += " AND type LIKE ? ESCAPE '\\'"
        args.append(type_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                    + "%")
    if email is not None:
        # Spelled out so SQLite can use the partial index customers_by_email.
        where += " AND object = 'customer' AND json_extract(data, '$.email') = ?"
        args.append(email)
    if exclude_status is not None:
        where += " AND status IS NOT ?"
        args.append(exclude_status)
    if isinstance(created, dict):
        for op, value in created.items():
            where += f" AND created {_CREATED_OPS[op]} ?"
            args.append(value)
    elif created is not None:
        where += " AND created = ?"
        args.append(created)
    if before is not None:
        where += " AND seq > ?"
        args.append(before)
        order = "ASC"
    else:
        if after is not None:
            where += " AND seq < ?"
            args.append(after)
        order = "DESC"
    rows = db.execute(f"SELECT data FROM objects WHERE {where} ORDER BY seq {order} LIMIT ?",
                      [*args, limit + 1]).fetchall()
    has_more = len(rows) > limit
    data = [json.loads(row[0]) for row in rows[:limit]]
    if before is not None:
        data.reverse()
    return data, has_more
