"""Connections and transactions for one emulator database.

A file database is shared by threads and by several server processes: connections come from a
small pool (WAL, busy timeout), and SQLite's write lock, taken by BEGIN IMMEDIATE, serializes
the writers. An in-memory database exists only inside one connection, so it gets exactly one,
guarded by a lock: requests on it take turns, which costs little because they never wait on
disk.
"""
import contextlib
import sqlite3
import threading
from pathlib import Path

SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 30_000
# Connections kept open between requests; more are opened under load and closed after.
MAX_IDLE_CONNECTIONS = 16


def schema_path():
    """schema.sql sits at the repo root in a checkout and under <prefix>/share after install."""
    import sys
    here = Path(__file__).resolve().parent.parent.parent / "schema.sql"
    installed = Path(sys.prefix) / "share" / "stripe_emu" / "schema.sql"
    return here if here.exists() else installed


def _connect(target, uri=False):
    conn = sqlite3.connect(target, uri=uri, isolation_level=None, check_same_thread=False,
                           timeout=BUSY_TIMEOUT_MS / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _statements(script):
    """Split a script into statements (executescript would commit our transaction)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""


class Store:
    def __init__(self, path=":memory:"):
        self.path = str(path)
        self.in_memory = self.path == ":memory:"
        self._held = threading.local()  # the connection this thread is using, if any
        self._idle = []
        self._idle_lock = threading.Lock()
        self._closed = False
        if self.in_memory:
            self._memory_conn = _connect(":memory:")
            self._memory_lock = threading.RLock()
            self._migrate(self._memory_conn)
        else:
            with self.connection() as conn:
                conn.execute("PRAGMA journal_mode = WAL")
                self._migrate(conn)

    def _checkout(self):
        with self._idle_lock:
            if self._idle:
                return self._idle.pop()
        conn = _connect(self.path)
        # NORMAL is crash-safe under WAL (a power cut may lose the last commits, never
        # corrupt); FULL would fsync on every request.
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _checkin(self, conn):
        with self._idle_lock:
            if not self._closed and len(self._idle) < MAX_IDLE_CONNECTIONS:
                self._idle.append(conn)
                return
        conn.close()

    @staticmethod
    def _migrate(conn):
        if conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                for statement in _statements(schema_path().read_text()):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def connection(self):
        """A connection for this thread's unit of work. File databases draw on a small pool
        rather than keeping one per thread, because `serve` starts a thread per HTTP
        connection; a thread already using one gets the same (nested use joins it)."""
        if self.in_memory:
            with self._memory_lock:
                yield self._memory_conn
            return
        held = getattr(self._held, "conn", None)
        if held is not None:
            yield held
            return
        conn = self._held.conn = self._checkout()
        try:
            yield conn
        finally:
            self._held.conn = None
            self._checkin(conn)

    @contextlib.contextmanager
    def transaction(self, write=True):
        """One unit of work: committed when the block ends, rolled back when it raises.

        Writers start with BEGIN IMMEDIATE so the write lock is taken before anything is
        read: a status checked inside the block cannot change before the block writes.
        """
        with self.connection() as conn:
            if conn.in_transaction:  # nested use joins the enclosing transaction
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self):
        with self._idle_lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
        if self.in_memory:
            self._memory_conn.close()
