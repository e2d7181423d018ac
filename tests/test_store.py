"""The SQLite store: schema, WAL, transactions, and several threads and processes on one file."""
import multiprocessing
import sqlite3
import threading

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
