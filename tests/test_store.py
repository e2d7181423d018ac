"""The SQLite store: schema, WAL, transactions, several threads and processes on one file,
failures that must leave no half-open transaction behind, and finding schema.sql."""
import multiprocessing
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import Api
from stripe_emu import make_app
from stripe_emu.store import db as store_db


def test_file_database_uses_wal_and_the_current_schema(tmp_path):
    path = tmp_path / "emu.db"
    make_app(db=str(path)).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == store_db.SCHEMA_VERSION
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "objects" in tables


def test_reopening_keeps_the_data(tmp_path):
    path = str(tmp_path / "emu.db")
    first = make_app(db=path)
    customer = Api(first).post("/v1/customers", {"email": "kept@example.com"})
    first.close()
    second = make_app(db=path)
    assert Api(second).get(f"/v1/customers/{customer['id']}")["email"] == "kept@example.com"
    second.close()


def test_each_memory_app_has_its_own_database():
    one, two = make_app(), make_app()
    Api(one).post("/v1/customers")
    assert Api(two).get("/v1/customers")["data"] == []
    assert len(Api(one).get("/v1/customers")["data"]) == 1


def test_transaction_rolls_back_on_error(app):
    with pytest.raises(RuntimeError):
        with app.store.transaction() as db:
            db.execute("INSERT INTO objects (id, account, object, created, data)"
                       " VALUES ('cus_x', 'a', 'customer', 0, '{}')")
            raise RuntimeError
    with app.store.transaction(write=False) as db:
        assert db.execute("SELECT count(*) FROM objects").fetchone()[0] == 0


def _create_many(app, count, results):
    api = Api(app)
    for _ in range(count):
        results.append(api.post("/v1/customers")["id"])


def test_threads_and_two_apps_on_one_file_lose_nothing(tmp_path):
    path = str(tmp_path / "shared.db")
    apps = [make_app(db=path), make_app(db=path)]
    results = []
    threads = [threading.Thread(target=_create_many, args=(apps[i % 2], 10, results))
               for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == len(set(results)) == 80
    api = Api(apps[0])
    listed, params = [], {"limit": "100"}
    while True:
        page = api.get("/v1/customers", params)
        listed += [c["id"] for c in page["data"]]
        if not page["has_more"]:
            break
        params = {"limit": "100", "starting_after": listed[-1]}
    assert sorted(listed) == sorted(results)
    for app in apps:
        app.close()


def _process_worker(path, count):
    app = make_app(db=path)
    results = []
    _create_many(app, count, results)
    app.close()


def test_several_processes_on_one_file(tmp_path):
    path = str(tmp_path / "procs.db")
    make_app(db=path).close()  # create the schema once, as `serve` would
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_process_worker, args=(path, 15)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM objects WHERE object='customer'").fetchone()[0] == 45


def _open_handles(path):
    import os
    fds = os.listdir("/proc/self/fd")
    return sum(1 for fd in fds if os.path.realpath(f"/proc/self/fd/{fd}") == str(path))


@pytest.mark.skipif(not __import__("os").path.isdir("/proc/self/fd"), reason="needs /proc")
def test_connections_do_not_pile_up_with_threads(tmp_path):
    """`serve` runs a thread per HTTP connection: a long-running server must not keep a
    SQLite connection open for every thread it ever ran."""
    path = tmp_path / "threads.db"
    app = make_app(db=str(path))
    for _ in range(60):
        thread = threading.Thread(target=lambda: Api(app).post("/v1/customers"))
        thread.start()
        thread.join()
    assert _open_handles(path) <= store_db.MAX_IDLE_CONNECTIONS
    assert len(Api(app).get("/v1/customers", {"limit": "100"})["data"]) == 60
    app.close()
    assert _open_handles(path) == 0


def _deferred_foreign_key(app):
    """A table whose foreign key is checked at COMMIT: a way to make a COMMIT fail."""
    with app.store.connection() as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TABLE child (parent INTEGER REFERENCES parent (id)"
                     " DEFERRABLE INITIALLY DEFERRED)")


def _customers_seen_by_another_connection(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM objects WHERE object = 'customer'").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("database", ["file", "memory"])
def test_a_failed_commit_rolls_back_and_leaves_the_connection_usable(tmp_path, database):
    path = str(tmp_path / "emu.db")
    app = make_app(db=path if database == "file" else ":memory:")
    _deferred_foreign_key(app)
    with pytest.raises(sqlite3.IntegrityError):
        with app.store.transaction() as db:
            db.execute("INSERT INTO objects (id, account, object, created, data)"
                       " VALUES ('cus_lost', 'emu4242', 'customer', 0, '{}')")
            db.execute("INSERT INTO child VALUES (1)")
    with app.store.connection() as conn:
        assert not conn.in_transaction
    api = Api(app)
    created = api.post("/v1/customers")
    assert [c["id"] for c in api.get("/v1/customers")["data"]] == [created["id"]]
    if database == "file":  # committed for real, not left in a transaction nobody ends
        assert _customers_seen_by_another_connection(path) == 1
    app.close()


def test_a_connection_is_never_pooled_inside_a_transaction(file_app):
    with file_app.store.connection() as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO objects (id, account, object, created, data)"
                     " VALUES ('cus_half', 'emu4242', 'customer', 0, '{}')")
    with file_app.store.connection() as again:
        assert again is conn and not again.in_transaction
    assert Api(file_app).get("/v1/customers")["data"] == []
    assert _customers_seen_by_another_connection(file_app.store.path) == 0


def test_a_database_of_a_newer_stripe_emu_is_refused_untouched(tmp_path):
    path = tmp_path / "newer.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {store_db.SCHEMA_VERSION + 1}")
    conn.close()
    version = store_db.SCHEMA_VERSION
    with pytest.raises(store_db.StoreError, match=f"schema version {version + 1}: a newer "
                                                  "stripe_emu wrote it, and this one knows "
                                                  f"versions up to {version}"):
        make_app(db=str(path))
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    conn.close()
    if __import__("os").path.isdir("/proc/self/fd"):
        assert _open_handles(path) == 0


def test_a_database_that_cannot_use_wal_is_refused():
    # SQLite keeps a temporary database ("") in its rollback journal: WAL is refused.
    with pytest.raises(store_db.StoreError, match="needs WAL"):
        make_app(db="")


# --- finding schema.sql: in a checkout, and where pip installs it ---------------------------

ROOT = Path(__file__).resolve().parent.parent
_FIND = ("import sys; sys.path.insert(0, sys.argv[1]); import stripe_emu; "
         "from stripe_emu.store import db; app = stripe_emu.make_app(); app.close(); "
         "print(db.schema_path())")


def _install(site, record_schema_at):
    """Lay out a pip installation of this checkout in `site`: the package, and a record
    naming schema.sql at `record_schema_at` (relative to `site`, as in RECORD files)."""
    shutil.copytree(ROOT / "stripe_emu", site / "stripe_emu",
                    ignore=shutil.ignore_patterns("__pycache__"))
    info = site / "stripe_emu-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: stripe_emu\nVersion: 0.1.0\n")
    (info / "RECORD").write_text(f"stripe_emu/__init__.py,,\n{record_schema_at},,\n")


def _schema_found(site):
    done = subprocess.run([sys.executable, "-S", "-c", _FIND, str(site)], capture_output=True,
                          text=True, timeout=60, cwd=site)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())


def test_schema_sql_of_a_user_or_prefix_install(tmp_path):
    """pip install --user / --prefix: data files go under the prefix, not sys.prefix."""
    site = tmp_path / "prefix" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    _install(site, "../../../share/stripe_emu/schema.sql")
    schema = tmp_path / "prefix" / "share" / "stripe_emu" / "schema.sql"
    schema.parent.mkdir(parents=True)
    shutil.copy(ROOT / "schema.sql", schema)
    assert _schema_found(site) == schema


def test_schema_sql_of_a_target_install(tmp_path):
    """pip install --target moves the data directory next to the package, while its record
    still names the temporary home it was installed to first."""
    site = tmp_path / "target"
    site.mkdir()
    _install(site, "../../share/stripe_emu/schema.sql")
    schema = site / "share" / "stripe_emu" / "schema.sql"
    schema.parent.mkdir(parents=True)
    shutil.copy(ROOT / "schema.sql", schema)
    assert _schema_found(site) == schema


def test_schema_sql_of_the_checkout(tmp_path):
    assert _schema_found(ROOT) == ROOT / "schema.sql"


def test_a_database_that_cannot_be_opened_is_a_clear_error(tmp_path):
    import subprocess
    import sys
    missing = tmp_path / "no such directory" / "emu.db"
    with pytest.raises(store_db.StoreError, match="cannot open the database"):
        make_app(db=str(missing))
    done = subprocess.run([sys.executable, "-S", "-m", "stripe_emu", "serve", "--port", "0",
                           "--db", str(missing)], capture_output=True, text=True, timeout=30,
                          cwd=__import__("pathlib").Path(__file__).resolve().parent.parent)
    assert done.returncode == 1
    assert done.stderr.startswith("stripe_emu: cannot open the database")
    assert "Traceback" not in done.stderr
