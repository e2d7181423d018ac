"""SQL of the control plane: resetting state, snapshots, and injected faults.

Reset and snapshots read the tables from sqlite_master rather than naming them, so a table
added to schema.sql is covered without a change here. The rule that makes a per-account reset
complete: a table holding an account's data has an `account` column, or a foreign key to a
table that does (its orphaned rows are deleted after their parents).

Table and column names are interpolated only after being checked against sqlite_master,
never as given by a caller.
"""
import base64
import sqlite3

from .db import SQLITE_INTEGERS

SNAPSHOT_FORMAT = "stripe_emu.snapshot"
FAULTS = "emu_faults"


class SnapshotError(ValueError):
    """A snapshot this database cannot take: nothing has been written."""


def _tables(db):
    return [row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%'"
        " ESCAPE '\\' ORDER BY name")]


def _columns(db, table):
    return [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]


def reset(db, account=None):
    """Delete every row of every table, or only `account`'s. Returns {table: rows deleted}
    for the tables that lost rows."""
    deleted = {}
    tables = _tables(db)
    if account is None:
        for table in tables:
            deleted[table] = db.execute(f'DELETE FROM "{table}"').rowcount
    else:
        for table in tables:
            if "account" in _columns(db, table):
                deleted[table] = db.execute(f'DELETE FROM "{table}" WHERE account = ?',
                                            (account,)).rowcount
        for table in tables:
            if "account" in _columns(db, table):
                continue
            for key in db.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
                parent, child_column, parent_column = key["table"], key["from"], key["to"]
                deleted[table] = deleted.get(table, 0) + db.execute(
                    f'DELETE FROM "{table}" WHERE "{child_column}" IS NOT NULL AND '
                    f'"{child_column}" NOT IN (SELECT "{parent_column}" FROM "{parent}")'
                ).rowcount
    return {table: count for table, count in deleted.items() if count}


def export_snapshot(db):
    """Every row of every table except the injected faults (they are not state a test wants
    back), as JSON-ready data; BLOBs become {"base64": ...}."""
    tables = {}
    for table in _tables(db):
        if table == FAULTS:
            continue
        rows = db.execute(f'SELECT * FROM "{table}"').fetchall()
        tables[table] = {
            "columns": _columns(db, table),
            "rows": [[{"base64": base64.b64encode(value).decode()} if isinstance(value, bytes)
                      else value for value in row] for row in rows]}
    version = db.execute("PRAGMA user_version").fetchone()[0]
    return {"format": SNAPSHOT_FORMAT, "schema_version": version, "tables": tables}


def import_snapshot(db, snapshot):
    """Replace every table's rows (faults aside) with the snapshot's; returns {table: rows}.
    Checked whole before the first write, and meant to run in one transaction so that other
    connections see the old state or the new one, never a mix."""
    if not isinstance(snapshot, dict) or snapshot.get("format") != SNAPSHOT_FORMAT:
        raise SnapshotError(f"Not a stripe_emu snapshot: its \"format\" must be "
                            f"\"{SNAPSHOT_FORMAT}\".")
    given = snapshot.get("tables")
    if not isinstance(given, dict):
        raise SnapshotError("The snapshot has no \"tables\" object.")
    tables = [table for table in _tables(db) if table != FAULTS]
    plans = []
    for table, content in given.items():
        if table not in tables:
            raise SnapshotError(f"The snapshot has a table this database does not: {table}.")
        if not isinstance(content, dict):
            raise SnapshotError(f"The snapshot's {table} must be an object with \"columns\" "
                                "and \"rows\".")
        columns, rows = content.get("columns"), content.get("rows")
        known = _columns(db, table)
        if not isinstance(columns, list) or not columns or any(
                column not in known for column in columns) or len(set(columns)) < len(columns):
            raise SnapshotError(f"The snapshot's columns of {table} do not match this "
                                f"database's: {columns} (known: {known}).")
        if not isinstance(rows, list) or any(
                not isinstance(row, list) or len(row) != len(columns) for row in rows):
            raise SnapshotError(f"Every row of {table} must be a list of {len(columns)} "
                                "values.")
        plans.append((table, columns, [[_stored(value, table) for value in row]
                                       for row in rows]))
    for table in tables:
        db.execute(f'DELETE FROM "{table}"')
    restored = {}
    for table, columns, rows in plans:
        names = ", ".join(f'"{column}"' for column in columns)
        try:
            db.executemany(f'INSERT INTO "{table}" ({names}) VALUES '
                           f'({", ".join("?" * len(columns))})', rows)
        except (sqlite3.Error, ValueError) as error:
            # The caller's transaction rolls back the deletions above with it. ValueError: a
            # string SQLite cannot take (a lone surrogate).
            raise SnapshotError(f"The rows of {table} do not fit its constraints: {error}.")
        restored[table] = len(rows)
    return restored


def _stored(value, table):
    if isinstance(value, dict):
        try:
            return base64.b64decode(value["base64"], validate=True)
        except (KeyError, TypeError, ValueError):
            raise SnapshotError(f"A value of {table} is an object but not {{\"base64\": ...}}.")
    if isinstance(value, list):
        raise SnapshotError(f"A value of {table} is a list: values are scalars.")
    if isinstance(value, int) and value not in SQLITE_INTEGERS:
        raise SnapshotError(f"A value of {table} is an integer beyond SQLite's 64 bits: "
                            f"{value}.")
    return value


# --- injected faults -------------------------------------------------------------------------

_FAULT_COLUMNS = ("id", "kind", "remaining", "account", "method", "path", "after_execution")


def add_fault(db, kind, count, account, method, path, after_execution):
    cursor = db.execute(
        "INSERT INTO emu_faults (kind, remaining, account, method, path, after_execution)"
        " VALUES (?, ?, ?, ?, ?, ?)", (kind, count, account, method, path, int(after_execution)))
    return cursor.lastrowid


# Every request asks, so these read through the primary key (`id > 0` is every row): a
# search on the rowid, never a scan, whatever the table holds.
def has_faults(db):
    return db.execute("SELECT EXISTS (SELECT 1 FROM emu_faults WHERE id > 0)").fetchone()[0] == 1


def faults(db, account=None):
    """Pending faults, oldest first: the order in which requests consume them."""
    where, args = ("", ()) if account is None else (" AND account = ?", (account,))
    rows = db.execute(f"SELECT {', '.join(_FAULT_COLUMNS)} FROM emu_faults WHERE id > 0{where}"
                      " ORDER BY id", args).fetchall()
    return [dict(row, after_execution=bool(row["after_execution"])) for row in rows]


def consume_fault(db, fault_id):
    """Use one of the fault's occurrences; the row goes when none remain."""
    db.execute("UPDATE emu_faults SET remaining = remaining - 1 WHERE id = ? AND remaining > 0",
               (fault_id,))
    db.execute("DELETE FROM emu_faults WHERE id = ? AND remaining <= 0", (fault_id,))


def clear_faults(db, account=None):
    if account is None:
        return db.execute("DELETE FROM emu_faults").rowcount
    return db.execute("DELETE FROM emu_faults WHERE account = ?", (account,)).rowcount
