"""SQL for Stripe objects: one row per object in the `objects` table (see schema.sql).

Objects go in and come out as the Stripe JSON dicts the resources build; the indexed columns
are derived from those dicts here, so they can never disagree with the JSON.
"""
import json
import re

_DUMPS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


# A Source in one of these states keeps `customer` in its JSON (Stripe's detach response
# shows it) but no longer belongs to the customer: its customer column is NULL, so customer
# source lists and guarded attach/detach updates no longer see it.
_DEAD_SOURCE = ("consumed", "canceled", "failed")
# Objects that name a customer without being held by it: their customer column stays NULL, so
# that the customer index walks only what a customer holds (its payment sources) and a
# customer's thousand charges never slow its sources down. Lists filter them on the JSON.
_NOT_HELD = ("charge",)


def _columns(obj):
    customer = obj.get("customer")
    status = obj.get("status")
    if (obj.get("object") == "source" and status in _DEAD_SOURCE) or \
            obj.get("object") in _NOT_HELD:
        customer = None
    elif obj.get("object") == "token":
        # Tokens have no status field; the column guards redemption (expect "unused").
        status = "used" if obj.get("used") else "unused"
    elif obj.get("object") == "payment_method":
        # Nor have PaymentMethods: the column guards attaching one used up (payments/methods).
        status = "consumed" if obj.get("_consumed") else None
    return {
        "customer": customer if isinstance(customer, str) else None,
        "status": "deleted" if obj.get("deleted") else status,
        "type": obj.get("type"),
    }


def insert(db, account, obj):
    cols = _columns(obj)
    db.execute(
        "INSERT INTO objects (id, account, object, customer, status, type, created, data)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (obj["id"], account, obj["object"], cols["customer"], cols["status"], cols["type"],
         # Cards and bank accounts have no `created` in Stripe's JSON; nothing filters them
         # on it (lists order by seq).
         obj.get("created", 0), _DUMPS(obj)))


def get(db, account, object_id):
    """The object with this id in this account, or None: other accounts' objects are invisible."""
    row = db.execute("SELECT data FROM objects WHERE id = ? AND account = ?",
                     (object_id, account)).fetchone()
    return json.loads(row[0]) if row else None


def account_of(db, object_id):
    """The account holding `object_id`, or None: only for URLs that carry no API key (a
    Source's redirect page). Ids are unique across accounts, so an id names one account."""
    row = db.execute("SELECT account FROM objects WHERE id = ?", (object_id,)).fetchone()
    return row[0] if row else None


def update(db, account, obj, expect=None, unchanged=None):
    """Write `obj` back; with `expect` ({column: allowed values}) only if the stored row still
    matches, so a status change is guarded by the status it starts from; with `unchanged`
    (the object as it was read) only if nothing of it changed since. Returns whether the
    row was written."""
    cols = _columns(obj)
    where, args = "id = ? AND account = ?", [obj["id"], account]
    if unchanged is not None:
        where += " AND data = ?"
        args.append(_DUMPS(unchanged))
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
_FIELD = re.compile(r"[a-z_]+")


def page(db, account, objects, *, customer=None, types=None, type_prefix=None, email=None,
         created=None, exclude_status=None, delivered=None, limit=10, older_than=None,
         newer_than=None, fields=None):
    """One page of a list, newest first, and whether more lie beyond it.

    `fields` ({top-level JSON field: value}) keeps the objects whose field has that value
    (a charge's payment_intent, a refund's charge); field names are checked, values bound.

    `older_than` / `newer_than` are cursor seqs: starting_after pages to older objects,
    ending_before to newer ones (the page nearest the cursor). Fetches limit + 1 rows to
    learn has_more without a count. `delivered` (events only): True keeps the events
    every webhook delivery of which succeeded, False those with one pending or failed.
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
    if delivered is not None:
        where += (" AND %sEXISTS (SELECT 1 FROM webhook_deliveries WHERE event = objects.id"
                  " AND status IN ('pending', 'delivering', 'failed'))" % ("NOT " if delivered
                                                                          else ""))
    for field, value in (fields or {}).items():
        if not _FIELD.fullmatch(field):
            raise ValueError(f"not a field name: {field!r}")
        where += f" AND json_extract(data, '$.{field}') = ?"
        args.append(value)
    if isinstance(created, dict):
        for op, value in created.items():
            where += f" AND created {_CREATED_OPS[op]} ?"
            args.append(value)
    elif created is not None:
        where += " AND created = ?"
        args.append(created)
    if newer_than is not None:
        where += " AND seq > ?"
        args.append(newer_than)
        order = "ASC"
    else:
        if older_than is not None:
            where += " AND seq < ?"
            args.append(older_than)
        order = "DESC"
    rows = db.execute(f"SELECT data FROM objects WHERE {where} ORDER BY seq {order} LIMIT ?",
                      [*args, limit + 1]).fetchall()
    has_more = len(rows) > limit
    data = [json.loads(row[0]) for row in rows[:limit]]
    if newer_than is not None:
        data.reverse()
    return data, has_more


def held(db, account, customer, objects):
    """Every object of these kinds that the customer holds, in no particular order."""
    rows = db.execute(
        "SELECT data FROM objects WHERE customer = ? AND account = ? AND object IN (%s)"
        % ",".join("?" * len(objects)), [customer, account, *objects]).fetchall()
    return [json.loads(row[0]) for row in rows]


def customer_count(db, account, customer, objects):
    """How many of the customer's objects of these kinds there are (an old API version's
    `total_count` of an embedded list)."""
    return db.execute(
        "SELECT count(*) FROM objects WHERE customer = ? AND account = ? AND object IN (%s)"
        % ",".join("?" * len(objects)), [customer, account, *objects]).fetchone()[0]


def with_fingerprint(db, account, customer, kind, fingerprint):
    """The id of a `kind` object (card, bank_account) of `customer` with this fingerprint,
    or None."""
    row = db.execute("SELECT id FROM objects WHERE customer = ? AND account = ? AND object = ?"
                     " AND json_extract(data, '$.fingerprint') = ? LIMIT 1",
                     (customer, account, kind, fingerprint)).fetchone()
    return row[0] if row else None


def invoice_prefix_owner(db, account, prefix):
    """The id of the account's customer (deleted ones included) with this invoice prefix,
    or None."""
    row = db.execute("SELECT id FROM objects WHERE account = ? AND object = 'customer'"
                     " AND json_extract(data, '$.invoice_prefix') = ? LIMIT 1",
                     (account, prefix)).fetchone()
    return row[0] if row else None


# Search (the query is parsed by stripe_emu/search.py). Each searchable field is a fixed SQL
# expression and each (type, operator) a fixed template: user text only travels as parameters.
_SEARCH_FIELDS = {"created": "created", "email": "json_extract(data, '$.email')",
                  "name": "json_extract(data, '$.name')", "phone": "json_extract(data, '$.phone')"}
# Charges' fields (search.CHARGE_FIELDS): a dotted name is its JSON path; a boolean is
# searched as the words true / false.
_SEARCH_FIELDS.update({
    field: f"json_extract(data, '$.{field}')" for field in (
        "amount", "billing_details.address.postal_code", "currency", "customer",
        "payment_method_details.card.brand", "payment_method_details.card.exp_month",
        "payment_method_details.card.exp_year", "payment_method_details.card.fingerprint",
        "payment_method_details.card.last4", "status")})
_SEARCH_FIELDS.update({field: f"CASE json_type(data, '$.{field}') WHEN 'true' THEN 'true'"
                       " WHEN 'false' THEN 'false' END" for field in ("disputed", "refunded")})
_NUMERIC_OPS = {":": "=", ">": ">", "<": "<", ">=": ">=", "<=": "<="}
_METADATA_KEY = "EXISTS (SELECT 1 FROM json_each(data, '$.metadata') WHERE key = ?"
# search_result.total_count is "only accurate up to 10,000" (spec): counting stops there.
_SEARCH_COUNT_CAP = 10_000


def _words(text):
    """Text as Stripe's string search sees it: casefolded words joined and padded by single
    spaces, so "Amy  ROSE" → " amy rose ", and an exact match on words in order is a
    substring test. UNCERTAIN: Stripe's tokenizer is unknown; words here split on whitespace
    only, so an email or a phone number is one word."""
    return " %s " % " ".join(text.casefold().split()) if isinstance(text, str) else None


def _search_condition(clause):
    """(SQL, args) of one clause. A clause on a missing value is false, not NULL, so that a
    negated clause keeps the objects without the field (as -email:"x" keeps email-less ones)."""
    if clause.field == "metadata":
        if clause.value is None:
            sql, args = f"NOT {_METADATA_KEY})", [clause.key]
        else:
            # A token: the whole value, case-insensitively.
            sql, args = f"{_METADATA_KEY} AND emu_words(value) = ?)", [clause.key,
                                                                      _words(clause.value)]
    else:
        column = _SEARCH_FIELDS[clause.field]
        if clause.value is None:
            sql, args = f"{column} IS NULL", []
        elif clause.kind == "numeric":
            sql, args = f"{column} {_NUMERIC_OPS[clause.operator]} ?", [clause.value]
        else:
            # `:` finds the query's words in order ("one two three" matches "one two three
            # four", as Stripe documents); `~` finds the text anywhere.
            wanted = _words(clause.value)
            sql, args = f"instr(emu_words({column}), ?) > 0", [
                wanted.strip() if clause.operator == "~" else wanted]
    return f"{'NOT ' if clause.negated else ''}coalesce(({sql}), 0)", args


def _search_where(db, account, kind, clauses, combinator):
    db.create_function("emu_words", 1, _words, deterministic=True)
    parts = [_search_condition(clause) for clause in clauses]
    joined = f" {'OR' if combinator == 'OR' else 'AND'} ".join(sql for sql, _ in parts)
    # Spelled out so that SQLite walks the objects_by_kind index (account, object, seq).
    return (f"account = ? AND object = ? AND status IS NOT 'deleted' AND ({joined})",
            [account, kind, *(arg for _, args in parts for arg in args)])


def search(db, account, kind, clauses, combinator, *, limit, older_than=None):
    """One page of the live objects of `kind` matching `clauses` joined by `combinator`
    ("AND" | "OR"), newest first: (objects, has_more, seq of the last one). `older_than` is
    the seq a page token names. Deleted objects never match."""
    where, args = _search_where(db, account, kind, clauses, combinator)
    if older_than is not None:
        where += " AND seq < ?"
        args.append(older_than)
    rows = db.execute(f"SELECT seq, data FROM objects WHERE {where} ORDER BY seq DESC LIMIT ?",
                      [*args, limit + 1]).fetchall()
    page = rows[:limit]
    return [json.loads(row["data"]) for row in page], len(rows) > limit, \
        page[-1]["seq"] if page else None


def search_count(db, account, kind, clauses, combinator):
    """How many live objects match, counted up to Stripe's cap."""
    where, args = _search_where(db, account, kind, clauses, combinator)
    return db.execute(f"SELECT count(*) FROM (SELECT 1 FROM objects WHERE {where} LIMIT ?)",
                      [*args, _SEARCH_COUNT_CAP]).fetchone()[0]
