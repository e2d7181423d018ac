"""Checkpoints of a file database's write-ahead log, away from the requests.

SQLite's own automatic checkpoint runs inside the commit that crosses its threshold: that
request pays for copying thousands of pages back into the database and for two fsyncs (a
create's mean cost was twice its median), and under a steady load, where some reader always
holds an old snapshot, the WAL is never restarted and grows without bound (131 MB beside a
43 MB database after 50,000 requests). Here a thread of the process checkpoints on its own
connection every CHECKPOINT_EVERY_COMMITS commits of the process (PASSIVE: it neither waits
for nor blocks anyone), and truncates the WAL (TRUNCATE: it waits for the readers of old
snapshots, which are short) when it has grown past WAL_LIMIT_BYTES anyway. SQLite's automatic
checkpoint stays on, at a higher threshold, for processes that commit too little to wake the
thread (and for the CLI's reset).
"""
import os
import sqlite3
import threading

CHECKPOINT_EVERY_COMMITS = 200
WAL_LIMIT_BYTES = 32 << 20
TRUNCATE_WAIT_MS = 50
# SQLite's automatic checkpoint, in pages of the WAL (4 KiB each): the fallback.
AUTOCHECKPOINT_PAGES = 8192


class Checkpointer:
    def __init__(self, path, connect):
        self.path, self._connect = path, connect
        self._commits = 0
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread = None
        self._stopping = False

    def committed(self):
        """A write transaction of this process committed."""
        self._commits += 1  # a lost increment under a race only shifts the next wake-up
        if self._commits % CHECKPOINT_EVERY_COMMITS:
            return
        with self._lock:
            if self._stopping:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="stripe_emu checkpoints")
                self._thread.start()
        self._wake.set()

    def wal_bytes(self):
        try:
            return os.path.getsize(self.path + "-wal")
        except OSError:  # no WAL at the moment (nothing written since the last close)
            return 0

    def _run(self):
        conn = self._connect(self.path)
        # TRUNCATE holds the write lock while it waits for the readers of old snapshots:
        # writers must not wait long behind it. It tries again at the next wake-up.
        conn.execute(f"PRAGMA busy_timeout = {TRUNCATE_WAIT_MS}")
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                mode = "TRUNCATE" if self.wal_bytes() > WAL_LIMIT_BYTES else "PASSIVE"
                try:
                    conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
                except sqlite3.OperationalError:
                    pass  # busy past the timeout: the next wake-up tries again
        finally:
            conn.close()

    def stop(self):
        with self._lock:
            self._stopping, thread = True, self._thread
        self._wake.set()
        if thread is not None:
            thread.join(10)
