"""The control plane under /_emu/: access rules, reset (all or one account, every table),
snapshots, the request log, faults over HTTP, and the command-line equivalents."""
import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import webtest

from stripe_emu import control, make_app, testing

ROOT = Path(__file__).resolve().parent.parent
AUTH = {"Authorization": "Bearer sk_test_alice"}
BOB = {"Authorization": "Bearer sk_test_bob"}


@pytest.fixture
def web(app):
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})


def _rows(app):
    """{table: rows} of every table: the whole database state."""
    with app.store.transaction(write=False) as db:
        tables = [row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
                for table in tables}


def _emails(web, headers=AUTH):
    return [c["email"] for c in web.get("/v1/customers", headers=headers).json["data"]]


@pytest.mark.parametrize("address, allowed", [
    ("127.0.0.1", True), ("127.3.2.1", True), ("::1", True), ("::ffff:127.0.0.1", True),
    (None, True), ("10.0.0.7", False), ("192.0.2.2", False), ("fd00::2", False),
    ("not-an-address", False)])
def test_only_loopback_clients_may_use_it_by_default(app, address, allowed):
    environ = {} if address is None else {"REMOTE_ADDR": address}
    response = webtest.TestApp(app, extra_environ=environ).get("/_emu/health",
                                                              expect_errors=True)
    assert response.status_int == (200 if allowed else 403)
    if not allowed:
        assert "--control-plane-open" in response.json["error"]["message"]


def test_an_open_control_plane_answers_anyone_and_needs_no_key():
    app = make_app(db=":memory:", control_plane="open")
    try:
        web = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "192.0.2.2"})
        assert web.get("/_emu/health").json["status"] == "ok"
    finally:
        app.close()
    with pytest.raises(ValueError):
        make_app(db=":memory:", control_plane="everyone")


def test_unknown_urls_and_methods(web):
    assert web.get("/_emu/nothing", status=404).json["error"]["message"].startswith(
        "Unrecognized control-plane URL")
    assert "use POST" in web.get("/_emu/reset", status=405).json["error"]["message"]
    # /_emu/ never shadows the API, and the API's own 404 stays Stripe's.
    assert web.get("/v1/_emu/reset", headers=AUTH, status=404).json["error"]["message"] \
        .startswith("Unrecognized request URL (GET: /v1/_emu/reset)")


def test_reset_deletes_every_account_state_and_faults(app, web):
    web.post("/v1/customers", {"email": "a@example.com"}, headers=AUTH)
    web.post("/v1/customers", {"email": "b@example.com"}, headers=BOB)
    testing.inject_fault(app, "api_error", path="/nowhere")
    answer = web.post("/_emu/reset").json
    assert answer["reset"] is True and answer["account"] is None
    assert answer["deleted"]["objects"] == 4  # two customers, two events
    assert answer["deleted"]["emu_faults"] == 1
    assert set(_rows(app).values()) == {0}
    assert web.get("/_emu/requests").json["data"] == []


def test_reset_of_one_account_leaves_the_others(app, web):
    web.post("/v1/customers", {"email": "alice@example.com"}, headers=AUTH)
    web.post("/v1/customers", {"email": "bob@example.com"}, headers=BOB)
    testing.inject_fault(app, "api_error", account="sk_test_alice", path="/nowhere")
    answer = web.post("/_emu/reset", {"account": "sk_test_alice"}).json
    assert answer["account"] == "alice"
    assert answer["deleted"] == {"objects": 2, "emu_faults": 1}
    log = web.get("/_emu/requests").json["data"]
    assert {entry["account"] for entry in log} == {"bob"}
    assert _emails(web) == [] and _emails(web, BOB) == ["bob@example.com"]
    assert control.reset(app, "bob") == {"objects": 2}  # an account's name works too


def test_reset_covers_tables_added_later_and_their_child_rows(app, web):
    # A concern that arrives later: a table with an account column, and a child without one.
    with app.store.transaction() as db:
        db.execute("CREATE TABLE later (id INTEGER PRIMARY KEY, account TEXT)")
        db.execute("CREATE TABLE later_detail (later INTEGER REFERENCES later (id), note)")
        db.executemany("INSERT INTO later VALUES (?, ?)", [(1, "alice"), (2, "bob")])
        db.executemany("INSERT INTO later_detail VALUES (?, ?)",
                       [(1, "a"), (2, "b"), (2, "c")])
    assert control.reset(app, "sk_test_alice") == {"later": 1, "later_detail": 1}
    with app.store.transaction(write=False) as db:
        notes = db.execute("SELECT note FROM later_detail ORDER BY note").fetchall()
    assert [note for (note,) in notes] == ["b", "c"]


def test_snapshot_round_trip_restores_state_and_order(app, web):
    ids = [web.post("/v1/customers", {"email": f"{n}@example.com", "metadata[n]": str(n)},
                    headers=AUTH).json["id"] for n in range(3)]
    snapshot = web.get("/_emu/snapshot").json
    assert snapshot["format"] == "stripe_emu.snapshot"
    assert len(snapshot["tables"]["objects"]["rows"]) == 6
    web.post(f"/v1/customers/{ids[0]}", {"name": "changed"}, headers=AUTH)
    web.delete(f"/v1/customers/{ids[1]}", headers=AUTH)
    web.post("/v1/customers", headers=BOB)
    before = _rows(app)
    answer = web.post("/_emu/snapshot", json.dumps(snapshot),
                      content_type="application/json").json
    assert answer["restored"]["objects"] == 6 and _rows(app) != before
    assert web.get("/_emu/snapshot").json["tables"] == snapshot["tables"]
    listed = web.get("/v1/customers", headers=AUTH).json["data"]
    assert [c["id"] for c in listed] == ids[::-1]  # newest first, as before
    assert listed[-1]["name"] is None and listed[-1]["metadata"] == {"n": "0"}
    assert web.get("/v1/customers", headers=BOB).json["data"] == []
    # Further writes continue after the restored rows.
    newest = web.post("/v1/customers", headers=AUTH).json["id"]
    assert web.get("/v1/customers", {"limit": 1}, headers=AUTH).json["data"][0]["id"] == newest


def test_snapshot_moves_state_into_a_file_database(app, web, tmp_path):
    web.post("/v1/customers", {"email": "moved@example.com"}, headers=AUTH)
    snapshot = control.export_snapshot(app)
    target = make_app(db=str(tmp_path / "copy.db"))
    try:
        control.import_snapshot(target, json.loads(json.dumps(snapshot)))
        assert _emails(webtest.TestApp(target)) == ["moved@example.com"]
    finally:
        target.close()


@pytest.mark.parametrize("broken, message", [
    ({"format": "something else"}, "Not a stripe_emu snapshot"),
    ({"tables": {"nope": {"columns": ["id"], "rows": []}}}, "a table this database does not"),
    ({"tables": {"objects": {"columns": ["id", "bogus"], "rows": []}}}, "columns of objects"),
    ({"tables": {"objects": {"columns": ["id"], "rows": [["a", "b"]]}}}, "list of 1 values"),
    ({"tables": {"objects": {"columns": ["seq", "id"], "rows": [[1, "x"]]}}},
     "do not fit its constraints"),
])
def test_a_bad_snapshot_changes_nothing(app, web, broken, message):
    web.post("/v1/customers", {"email": "kept@example.com"}, headers=AUTH)
    snapshot = control.export_snapshot(app)
    before = web.get("/_emu/snapshot").json
    bad = {**snapshot, **broken} if "format" in broken else {
        **snapshot, "tables": {**snapshot["tables"], **broken["tables"]}}
    error = web.post("/_emu/snapshot", json.dumps(bad), content_type="application/json",
                     status=400).json["error"]
    assert message in error["message"]
    assert web.get("/_emu/snapshot").json == before


def test_request_log_lists_recent_requests_newest_first(app, web):
    created = web.post("/v1/customers", {"email": "a@example.com", "metadata[k]": "v"},
                       headers=AUTH)
    web.get("/v1/customers/cus_missing", headers=BOB, status=404)
    web.get("/v1/customers", headers={"Authorization": "Bearer nonsense"}, status=401)
    log = web.get("/_emu/requests").json
    assert log["object"] == "list"
    newest, missing, first = log["data"]
    assert first == {
        "request_id": created.headers["Request-Id"], "method": "POST", "path": "/v1/customers",
        "params": {"email": "a@example.com", "metadata": {"k": "v"}}, "status": 200,
        "account": "alice", "idempotency_key": None, "created": first["created"],
        "milliseconds": first["milliseconds"]}
    assert (missing["status"], missing["account"], missing["path"]) == (
        404, "bob", "/v1/customers/cus_missing")
    assert (newest["status"], newest["account"], newest["params"]) == (401, None, None)
    assert web.get("/_emu/requests", {"limit": 1}).json["data"] == [newest]
    assert web.get("/_emu/requests", {"account": "sk_test_bob"}).json["data"] == [missing]
    assert web.get("/_emu/requests", {"limit": 0}, status=400).json["error"]["param"] == "limit"


def test_faults_over_http(app, web):
    fault = web.post("/_emu/faults", {"kind": "lock_timeout", "count": "2", "method": "post",
                                      "path": "/v1/customers"}).json
    assert fault == {"id": fault["id"], "kind": "lock_timeout", "remaining": 2,
                     "account": None, "method": "POST", "path": "/v1/customers",
                     "after_execution": False}
    web.post_json("/_emu/faults", {"kind": "connection_dropped", "after_execution": True,
                                   "account": "sk_test_bob"})
    assert [f["kind"] for f in web.get("/_emu/faults").json["data"]] == [
        "lock_timeout", "connection_dropped"]
    web.post("/v1/customers", headers=AUTH, status=429)
    assert web.get("/_emu/faults").json["data"][0]["remaining"] == 1
    assert web.delete("/_emu/faults").json == {"deleted": 2}
    web.post("/v1/customers", headers=AUTH)
    for bad, param in [({"kind": "flood"}, None), ({}, "kind"),
                       ({"kind": "api_error", "count": "many"}, "count"),
                       ({"kind": "api_error", "after_execution": "yes"}, "after_execution")]:
        error = web.post("/_emu/faults", bad, status=400).json["error"]
        assert error.get("param") == param
    assert web.get("/_emu/faults").json["data"] == []


def test_control_plane_over_a_socket(app, live_url):
    request = urllib.request.Request(f"{live_url}/_emu/faults", method="POST",
                                     data=b"kind=api_error&path=/v1/customers")
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.load(answer)["kind"] == "api_error"
    with urllib.request.urlopen(f"{live_url}/_emu/faults", timeout=5) as answer:
        assert len(json.load(answer)["data"]) == 1


def _run(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "stripe_emu", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, **kwargs)


def test_cli_reset(tmp_path):
    path = tmp_path / "emu.db"
    app = make_app(db=str(path))
    web = webtest.TestApp(app)
    web.post("/v1/customers", headers=AUTH)
    web.post("/v1/customers", headers=BOB)
    app.close()
    done = _run("reset", "--db", str(path), "--account", "sk_test_alice")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"stripe_emu reset {path} (account sk_test_alice): " \
                                  "deleted 2 from objects"
    done = _run("reset", "--db", str(path))
    assert done.stdout.strip() == f"stripe_emu reset {path}: deleted 2 from objects"
    app = make_app(db=str(path))
    try:
        assert set(_rows(app).values()) == {0}
    finally:
        app.close()
    missing = _run("reset", "--db", str(tmp_path / "absent.db"))
    assert missing.returncode != 0 and "no database at" in missing.stderr
    assert not (tmp_path / "absent.db").exists()


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _outside_address():
    """An address of this machine other than loopback, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 9))  # UDP: nothing is sent
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.mark.parametrize("open_plane", [False, True])
def test_cli_control_plane_open_lets_other_hosts_in(tmp_path, open_plane):
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address")
    port = _free_port()
    flags = ["--control-plane-open"] if open_plane else []
    server = subprocess.Popen(
        [sys.executable, "-m", "stripe_emu", "serve", "--host", "0.0.0.0", "--port", str(port),
         "--db", ":memory:", *flags], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        assert "listening" in server.stderr.readline()
        try:
            with urllib.request.urlopen(f"http://{address}:{port}/_emu/health",
                                        timeout=5) as answer:
                status = answer.status
        except urllib.error.HTTPError as refused:
            status = refused.code
        assert status == (200 if open_plane else 403)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emu/health",
                                    timeout=5) as answer:
            assert answer.status == 200
    finally:
        server.terminate()
        server.wait(10)
        server.stderr.close()
