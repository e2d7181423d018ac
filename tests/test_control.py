"""The control plane under /_emu/: access rules, reset (all or one account, every table),
snapshots, the request log, faults over HTTP, and the command-line equivalents."""
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import webtest

from conformance import validate_against
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
    assert {entry["account"] for entry in log} == {"…"}  # masked (test_redaction.py)
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


_OBJECT_COLUMNS = ["id", "account", "object", "created", "data"]


@pytest.mark.parametrize("broken, message", [
    ({"format": "something else"}, "Not a stripe_emu snapshot"),
    ({"tables": {"nope": {"columns": ["id"], "rows": []}}}, "a table this database does not"),
    ({"tables": {"objects": {"columns": ["id", "bogus"], "rows": []}}}, "columns of objects"),
    ({"tables": {"objects": {"columns": ["id"], "rows": [["a", "b"]]}}}, "list of 1 values"),
    ({"tables": {"objects": {"columns": ["seq", "id"], "rows": [[1, "x"]]}}},
     "do not fit its constraints"),
    ({"tables": {"objects": 5}}, "must be an object with \"columns\""),
    ({"tables": {"objects": {"columns": [["a"]], "rows": []}}}, "columns of objects"),
    ({"tables": {"objects": {"columns": ["id", "id"], "rows": []}}}, "columns of objects"),
    # A customer whose data is not JSON breaks the email index: refused, not a 500.
    ({"tables": {"objects": {"columns": _OBJECT_COLUMNS,
                             "rows": [["cus_1", "a", "customer", 1, "not json"]]}}},
     "do not fit its constraints"),
    ({"tables": {"objects": {"columns": _OBJECT_COLUMNS,
                             "rows": [["cus_1", "a", "customer", 10 ** 30, "{}"]]}}},
     "beyond SQLite's 64 bits"),
    ({"tables": {"objects": {"columns": _OBJECT_COLUMNS,
                             "rows": [["cus_1", "a", "customer", 1, "\ud800"]]}}},
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


@pytest.mark.parametrize("body, content_type, status, message", [
    (b"{not json", "application/json", 400, "The body is not valid JSON"),
    (b"[1, 2]", "application/json", 400, "The JSON body must be an object"),
    pytest.param(b"[" * 100_000, "application/json", 400, "The body is not valid JSON",
                 id="nested-too-deep"),
    (b"format=stripe_emu.snapshot", "application/x-www-form-urlencoded", 400,
     "The snapshot must be the body, as application/json"),
])
def test_a_snapshot_body_that_is_not_one_changes_nothing(web, body, content_type, status,
                                                         message):
    web.post("/v1/customers", {"email": "kept@example.com"}, headers=AUTH)
    before = web.get("/_emu/snapshot").json
    error = web.post("/_emu/snapshot", body, content_type=content_type,
                     status=status).json["error"]
    assert message in error["message"]
    assert web.get("/_emu/snapshot").json == before


def test_a_snapshot_past_the_size_limit_is_refused(web, monkeypatch):
    monkeypatch.setattr(control, "MAX_SNAPSHOT_BYTES", 100)
    snapshot = web.get("/_emu/snapshot").body
    assert len(snapshot) > 100
    error = web.post("/_emu/snapshot", snapshot, content_type="application/json",
                     status=413).json["error"]
    assert error["message"] == "The request body is too large: it must be at most 100 bytes."


def test_errors_are_rendered_as_the_apis_are(app, web, monkeypatch):
    for answer in (web.get("/_emu/nothing", status=404), web.get("/_emu/reset", status=405),
                   web.post("/_emu/faults", {"kind": "flood"}, status=400),
                   web.get("/_emu/requests", {"limit": "x"}, status=400)):
        validate_against("error", answer.json)
        assert answer.headers["Request-Id"].startswith("req_")
        assert answer.json["error"]["request_log_url"].partition("?t=")[0].endswith(
            answer.headers["Request-Id"])
        assert answer.content_type == "application/json"

    def broken(account=None):
        raise RuntimeError("a bug")

    monkeypatch.setattr(app.faults, "pending", broken)
    crashed = web.get("/_emu/faults", status=500, expect_errors=True)
    assert crashed.json["error"] == {
        "message": "An unknown error occurred", "type": "api_error",
        "request_log_url": crashed.json["error"]["request_log_url"]}
    assert "RuntimeError: a bug" in crashed.errors  # the traceback went to wsgi.errors


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
        "account": "…lice", "idempotency_key": None, "created": first["created"],
        "milliseconds": first["milliseconds"]}
    assert (missing["status"], missing["account"], missing["path"]) == (
        404, "…", "/v1/customers/cus_missing")
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


@pytest.mark.parametrize("params, param, message", [
    ({"kind": "api_error", "count": "9" * 25}, "count", "Invalid integer: " + "9" * 25),
    ({"kind": "api_error", "count": "²"}, "count", "Invalid integer: ²"),
    ({"kind": "api_error", "count": "١٠"}, "count", "Invalid integer: ١٠"),
    ({"kind": "api_error", "count": "1000001"}, None, "The count must be an integer from 1"),
    ({"kind": "api_error", "after_execution": ""}, "after_execution", "Invalid boolean: "),
    ({"kind": "api_error", "path[a]": "b"}, "path", "Invalid string"),
    ({"kind": "api_error", "flavour": "x"}, "flavour", "Received unknown parameter: flavour"),
])
def test_fault_parameters_are_checked_as_the_apis_are(web, params, param, message):
    error = web.post("/_emu/faults", params, status=400).json["error"]
    assert (error.get("param"), error["message"].startswith(message)) == (param, True), error
    assert web.get("/_emu/faults").json["data"] == []


@pytest.mark.parametrize("limit", ["²", "١٠", "9" * 25, "-1", "1001"])
def test_request_log_limits_are_ascii_integers_in_range(web, limit):
    web.post("/v1/customers", headers=AUTH)
    error = web.get("/_emu/requests", {"limit": limit}, status=400).json["error"]
    assert error["param"] == "limit"


def test_json_parameters_are_checked_as_their_form_values(web):
    fault = web.post_json("/_emu/faults", {"kind": "api_error", "count": 2,
                                           "after_execution": False, "account": None}).json
    assert (fault["remaining"], fault["account"]) == (2, None)
    for bad, param in [({"kind": "api_error", "count": 2.5}, "count"),
                       ({"kind": "api_error", "count": [1]}, "count"),
                       ({"kind": "api_error", "after_execution": "yes"}, "after_execution"),
                       ({"kind": ["api_error"]}, "kind")]:
        assert web.post_json("/_emu/faults", bad, status=400).json["error"]["param"] == param
    assert len(web.get("/_emu/faults").json["data"]) == 1


def test_an_account_named_like_a_key_is_read_once(web):
    # The key sk_test_sk_test_y is account "sk_test_y"; resetting it must not reset "y".
    web.post("/v1/customers", headers={"Authorization": "Bearer sk_test_sk_test_y"})
    web.post("/v1/customers", headers={"Authorization": "Bearer sk_test_y"})
    answer = web.post("/_emu/reset", {"account": "sk_test_sk_test_y"}).json
    assert (answer["account"], answer["deleted"]) == ("sk_test_y", {"objects": 2})
    assert len(_emails(web, {"Authorization": "Bearer sk_test_y"})) == 1


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

