"""What a file database keeps (issue 10, items 3 and 4): every write `serve` acknowledged
survives a SIGKILL in the middle of a write load, and the write-ahead log stays bounded
while serving, reported by /_emu/health."""
import http.client
import sqlite3
import threading
import time
from urllib.parse import urlencode

from conftest import Api

from stripe_emu import make_app
from stripe_emu.store import checkpoints

from test_serve import FORM, Served


def _write_until_killed(port, acknowledged, n):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        for i in range(10_000):
            connection.request("POST", "/v1/customers",
                               urlencode({"email": f"{n}.{i}@example.com"}),
                               {**FORM, "Idempotency-Key": f"k-{n}-{i}"})
            response = connection.getresponse()
            body = response.read()
            if response.status == 200:
                acknowledged.append(body)
    except (OSError, http.client.HTTPException):
        pass  # the server was killed: what the test provokes


def test_every_acknowledged_write_survives_sigkill(tmp_path):
    database = tmp_path / "emu.db"
    served = Served("--db", str(database))
    try:
        assert served.line().startswith("stripe_emu listening")
        acknowledged = []
        writers = [threading.Thread(target=_write_until_killed,
                                    args=(served.port, acknowledged, n)) for n in range(4)]
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + 10
        while len(acknowledged) < 150 and time.monotonic() < deadline:
            time.sleep(0.02)
        served.process.kill()  # SIGKILL, mid-load
        served.process.wait(10)
        for writer in writers:
            writer.join(10)
    finally:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait(10)
        served.process.stderr.close()
    assert len(acknowledged) >= 150
    with sqlite3.connect(database) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    app = make_app(db=str(database))
    try:
        api = Api(app, key="sk_test_serve")
        for body in acknowledged:
            customer = _json(body)
            assert api.get(f"/v1/customers/{customer['id']}")["email"] == customer["email"]
        created = {e["data"]["object"]["id"] for e in _all_events(api)}
        assert {_json(body)["id"] for body in acknowledged} <= created
    finally:
        app.close()


def _json(body):
    import json
    return json.loads(body)


def _all_events(api):
    events, after = [], None
    while True:
        page = api.get("/v1/events", {"limit": 100, "type": "customer.created",
                                      **({"starting_after": after} if after else {})})
        events += page["data"]
        if not page["has_more"]:
            return events
        after = page["data"][-1]["id"]


def test_the_wal_stays_bounded_under_steady_reads_and_writes(tmp_path, monkeypatch):
    """Readers always in flight keep SQLite from restarting the WAL on its own; the
    checkpoint thread truncates it once it passes the limit."""
    monkeypatch.setattr(checkpoints, "CHECKPOINT_EVERY_COMMITS", 20)
    monkeypatch.setattr(checkpoints, "WAL_LIMIT_BYTES", 256 << 10)
    app = make_app(db=str(tmp_path / "emu.db"))
    stop = threading.Event()

    def read():
        while not stop.is_set():
            with app.store.transaction(write=False) as db:
                db.execute("SELECT count(*) FROM objects").fetchone()
                time.sleep(0.002)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        api = Api(app)
        largest = 0
        for n in range(600):
            api.post("/v1/customers", {"email": f"{n}@example.com", "description": "x" * 500})
            largest = max(largest, app.store.sizes()[1])
        health = api.web.get("/_emu/health").json
    finally:
        stop.set()
        for reader in readers:
            reader.join(10)
        app.close()
    assert health["database_bytes"] > 0 and health["wal_bytes"] is not None
    # 600 creates write about 25 MB of WAL frames, all of which SQLite's own checkpoints
    # left in the file under these readers; between two wake-ups of the checkpoint thread
    # it grows by about a megabyte (more when the machine is busy).
    assert largest < 8 << 20, largest


def test_health_reports_no_files_for_a_memory_database(api):
    health = api.web.get("/_emu/health").json
    assert (health["database_bytes"], health["wal_bytes"]) == (None, None)
