"""Connections and transactions for one emulator database.

A file database is shared by threads and by several server processes: connections come from a
small pool (WAL, busy timeout), and SQLite's write lock, taken by BEGIN IMMEDIATE, serializes
the writers. The writers of one process first queue for a lock of the process, first come
first served: left to SQLite's busy handler (sleep, then retry), some of many concurrent
writers starved for seconds while others went through.

An in-memory database exists only inside one connection, so it gets exactly one, guarded by a
lock: requests on it take turns, which costs little because they never wait on disk. A
connection goes back to the pool only outside any transaction.
"""
import collections
import contextlib
import functools
import os
import sqlite3
import threading
from pathlib import Path

from .checkpoints import AUTOCHECKPOINT_PAGES, WAL_LIMIT_BYTES, Checkpointer

SCHEMA_VERSION = 4
BUSY_TIMEOUT_SECONDS = 30
# Connections kept open between requests; more are opened under load and closed after.
MAX_IDLE_CONNECTIONS = 16
# Where setup.cfg's data_files put schema.sql, relative to the installation's data directory.
_INSTALLED_SCHEMA = "share/stripe_emu/schema.sql"


# SQLite stores integers in 64 bits: every integer the API accepts must fit.
SQLITE_INTEGERS = range(-(1 << 63), 1 << 63)


class StoreError(Exception):
    """A database this stripe_emu cannot use (newer schema, no WAL); nothing was changed."""


@functools.lru_cache(maxsize=1)
def schema_path():
    """The one schema.sql: the copy installed with this package (found through the package's
    own installation record, wherever pip put the data files: --user, --prefix, a venv), or
    the one at the root of the checkout this package runs from."""
    import importlib.metadata  # here, not at the top: it costs a fifth of the start-up
    site = Path(__file__).resolve().parent.parent.parent
    # Only the record installed beside this very package: another stripe_emu elsewhere on
    # sys.path may be a different version.
    for dist in importlib.metadata.distributions(name="stripe_emu", path=[str(site)]):
        for file in dist.files or ():
            if file.match(_INSTALLED_SCHEMA) and Path(dist.locate_file(file)).is_file():
                return Path(dist.locate_file(file)).resolve()
    # pip install --target moves the data directory into the target, next to the package,
    # while the record keeps paths relative to its temporary home.
    for candidate in (site / _INSTALLED_SCHEMA, site / "schema.sql"):
        if candidate.is_file():
            return candidate
    raise StoreError(f"stripe_emu cannot find its schema.sql: not installed beside {site} "
                     "and not in a checkout there. Reinstall stripe_emu.")


def _connect(target):
    try:
        conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False,
                               timeout=BUSY_TIMEOUT_SECONDS)
    except sqlite3.OperationalError as error:  # a missing directory, no permission
        raise StoreError(f"cannot open the database {target}: {error}") from error
    conn.row_factory = sqlite3.Row
    return conn


def _statements(script):
    """Split a script into statements (executescript would commit our transaction)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""


class FairLock:
    """A lock (or, with `slots`, a semaphore) handed to its waiters in the order they came:
    threading.Lock wakes any of them, and some waited for seconds."""

    def __init__(self, slots=1):
        self._guard = threading.Lock()
        self._waiters = collections.deque()
        self._free = slots

    def __enter__(self):
        with self._guard:
            if self._free:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by a holder handing its slot over

    def __exit__(self, *exc):
        with self._guard:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._free += 1


class Store:
    def __init__(self, path=":memory:"):
        self.path = str(path)
        self.in_memory = self.path == ":memory:"
        # What names this database in the process: two Stores on one file are one database.
        self.identity = id(self) if self.in_memory else os.path.realpath(self.path)
        self._held = threading.local()  # the connection this thread is using, if any
        self._idle = []
        self._idle_lock = threading.Lock()
        self._closed = False
        self._memory_conn = None
        self._writers = FairLock()
        self.checkpoints = None if self.in_memory else Checkpointer(self.path, self._connect)
        try:
            if self.in_memory:
                self._memory_conn = _connect(":memory:")
                self._memory_lock = threading.RLock()
                self._migrate(self._memory_conn)
            else:
                with self.connection() as conn:
                    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                    if mode.lower() != "wal":
                        raise StoreError(
                            f"SQLite cannot put {self.path} in WAL mode (it stays in {mode} "
                            "mode, as on some network file systems): stripe_emu needs WAL to "
                            "share the file between threads and processes.")
                    self._migrate(conn)
        except BaseException:
            self.close()
            raise

    def _checkout(self):
        with self._idle_lock:
            if self._idle:
                return self._idle.pop()
        return self._connect(self.path)

    @staticmethod
    def _connect(path):
        conn = _connect(path)
        # NORMAL is crash-safe under WAL (a power cut may lose the last commits, never
        # corrupt; a killed process loses nothing committed); FULL would fsync every commit.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
        conn.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")
        return conn

    def _checkin(self, conn):
        if conn.in_transaction:
            # Whatever left it there failed: lending it out would make the next unit of
            # work join a dead transaction. A connection that cannot even roll back goes.
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                conn.close()
                return
        with self._idle_lock:
            if not self._closed and len(self._idle) < MAX_IDLE_CONNECTIONS:
                self._idle.append(conn)
                return
        conn.close()

    def _migrate(self, conn):
        """Bring the schema up to SCHEMA_VERSION; refuse a database a newer stripe_emu wrote
        (its tables may mean something this version would misread)."""
        if self._schema_version(conn) == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            if self._schema_version(conn) < SCHEMA_VERSION:
                for statement in _statements(schema_path().read_text()):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _schema_version(self, conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"The database {self.path} has schema version {version}: a newer stripe_emu "
                f"wrote it, and this one knows versions up to {SCHEMA_VERSION}. Upgrade "
                "stripe_emu or use another database file.")
        return version

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
    def transaction(self, write=True, after_commit=()):
        """One unit of work: committed when the block ends, rolled back when it raises or
        when the commit itself fails; then, once committed, `after_commit` callables run.

        Writers start with BEGIN IMMEDIATE so the write lock is taken before anything is
        read: a status checked inside the block cannot change before the block writes.

        A unit of work begun inside another is a savepoint of it: when it raises, its own
        writes are undone and the enclosing one goes on (idempotency.py stores the failure
        of a request in the transaction that ran it); its `after_commit` callables wait for
        the enclosing transaction's commit.
        """
        with self.connection() as conn:
            if conn.in_transaction:
                conn.execute("SAVEPOINT nested")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK TO nested")
                        conn.execute("RELEASE nested")
                    raise
                conn.execute("RELEASE nested")
                getattr(self._held, "after_commit", []).extend(after_commit)
                return
            hooks = self._held.after_commit = list(after_commit)
            with self._writers if write and not self.in_memory else contextlib.nullcontext():
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
        if write and self.checkpoints is not None:
            self.checkpoints.committed()
        for hook in hooks:
            hook()

    def sizes(self):
        """(bytes of the database file, bytes of its WAL); (None, None) in memory."""
        if self.in_memory:
            return None, None
        try:
            database = os.path.getsize(self.path)
        except OSError:
            database = None
        return database, self.checkpoints.wal_bytes()

    def close(self):
        if self.checkpoints is not None:
            self.checkpoints.stop()
        with self._idle_lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
        if self._memory_conn is not None:
            # Wait for the request using it: closing a connection under a running statement
            # crashes the interpreter (serve stopping with requests in flight).
            with self._memory_lock:
                self._memory_conn.close()
