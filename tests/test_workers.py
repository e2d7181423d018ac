"""The same app under gunicorn (several worker processes) and waitress (two processes), all
on one database file: concurrent writes lose nothing, an Idempotency-Key holds across
workers, and faults and resets made through one worker apply to all."""
import concurrent.futures
import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from conftest import running_server
from stripe_emu import make_app

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk_test_workers"
FORM = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/x-www-form-urlencoded"}


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(port, method, path, params=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        body = urlencode(params or {}) if method == "POST" else None
        connection.request(method, path, body, {**FORM, **(headers or {})})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@contextlib.contextmanager
def _server(command, database, port):
    """A WSGI server process on `port` serving stripe_emu.wsgi:app over `database`, stopped
    (and waited for) when the block ends; at most 20 s to come up."""
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed")
    env = {**os.environ, "STRIPE_EMU_DB": str(database), "PYTHONPATH": str(ROOT)}
    with running_server(command, port, cwd=ROOT, env=env):
        yield port


def gunicorn(database, workers=3):
    port = _free_port()
    return _server(["gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                    "--graceful-timeout", "5", "stripe_emu.wsgi:app"], database, port)


def waitress(database):
    port = _free_port()
    return _server(["waitress-serve", "--listen", f"127.0.0.1:{port}", "--threads", "4",
                    "stripe_emu.wsgi:app"], database, port)


def _parallel(calls, workers=12):
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda call: call(), calls))


def _customers(database):
    app = make_app(db=str(database))
    try:
        with app.store.transaction(write=False) as db:
            return [row[0] for row in db.execute(
                "SELECT json_extract(data, '$.email') FROM objects WHERE object = 'customer'")]
    finally:
        app.close()


def _pids(port, expected):
    """The `expected` worker processes answering on `port`, found by asking concurrently
    until all have booted (at most 20 s)."""
    pids, deadline = set(), time.monotonic() + 20
    while len(pids) < expected and time.monotonic() < deadline:
        pids |= set(_parallel([lambda: _call(port, "GET", "/_emu/health")[1]["pid"]] * 24))
    assert len(pids) == expected, f"{len(pids)} of {expected} workers answered"
    return pids


def _logs(port, pids):
    """Each worker's request log, collected by asking until every worker has answered."""
    logs = {}
    for _ in range(20):
        for answer in _parallel([lambda: _call(port, "GET", "/_emu/requests?limit=1000")[1]]
                                * 12):
            logs[answer["pid"]] = answer["data"]
        if set(logs) >= pids:
            break
    return logs


def _create_many(ports, count):
    calls = [lambda n=n: _call(ports[n % len(ports)], "POST", "/v1/customers",
                               {"email": f"{n}@example.com"}) for n in range(count)]
    return _parallel(calls)


def _same_key_everywhere(ports, count=12):
    calls = [lambda n=n: _call(ports[n % len(ports)], "POST", "/v1/customers",
                               {"email": "once@example.com"},
                               {"Idempotency-Key": "one-key"}) for n in range(count)]
    return _parallel(calls)


def _check_idempotent(answers):
    """Every answer is the one customer, or Stripe's 409 for a key still in flight."""
    ids = {body["id"] for status, body in answers if status == 200}
    assert len(ids) == 1, answers
    for status, body in answers:
        if status != 200:
            assert (status, body["error"]["code"]) == (409, "idempotency_key_in_use")
    return ids.pop()


def test_gunicorn_workers_share_the_database(tmp_path):
    database = tmp_path / "emu.db"
    with gunicorn(database) as port:
        _pids(port, 3)
        answers = _create_many([port], 60)
        assert [status for status, _ in answers] == [200] * 60
        assert sorted(_customers(database)) == sorted(f"{n}@example.com" for n in range(60))
        listed = _call(port, "GET", "/v1/customers?limit=100")[1]["data"]
        assert len(listed) == 60 and len({c["id"] for c in listed}) == 60


def test_gunicorn_idempotency_key_holds_across_workers(tmp_path):
    database = tmp_path / "emu.db"
    with gunicorn(database) as port:
        pids = _pids(port, 3)
        customer = _check_idempotent(_same_key_everywhere([port]))
        status, replay = _call(port, "POST", "/v1/customers", {"email": "once@example.com"},
                               {"Idempotency-Key": "one-key"})
        assert (status, replay["id"]) == (200, customer)
        assert _customers(database) == ["once@example.com"]
        logs = _logs(port, pids)
        answered_by = {pid for pid, log in logs.items()
                       if any(entry["idempotency_key"] == "one-key" for entry in log)}
        assert len(answered_by) >= 2, "the keyed requests all reached one worker"


def test_gunicorn_faults_and_resets_apply_to_every_worker(tmp_path):
    database = tmp_path / "emu.db"
    with gunicorn(database) as port:
        _pids(port, 3)
        status, fault = _call(port, "POST", "/_emu/faults",
                              {"kind": "api_error", "count": 3, "path": "/v1/customers"})
        assert status == 200
        answers = _create_many([port], 12)
        assert sorted(status for status, _ in answers) == [200] * 9 + [500] * 3
        assert len(_customers(database)) == 9
        assert _call(port, "GET", "/_emu/faults")[1]["data"] == []
        assert _call(port, "POST", "/_emu/reset")[0] == 200
        assert _parallel([lambda: _call(port, "GET", "/v1/customers")[1]["data"]] * 12) \
            == [[]] * 12


def test_two_waitress_processes_share_the_database(tmp_path):
    database = tmp_path / "emu.db"
    with waitress(database) as first, waitress(database) as second:
        answers = _create_many([first, second], 60)
        assert [status for status, _ in answers] == [200] * 60
        assert len(set(_customers(database))) == 60
        customer = _check_idempotent(_same_key_everywhere([first, second]))
        for port in (first, second):
            status, replay = _call(port, "POST", "/v1/customers",
                                   {"email": "once@example.com"}, {"Idempotency-Key": "one-key"})
            assert (status, replay["id"]) == (200, customer)
        assert len(_customers(database)) == 61
        pids = {_call(port, "GET", "/_emu/health")[1]["pid"] for port in (first, second)}
        assert len(pids) == 2


def test_wsgi_module_opens_its_app_per_process(tmp_path, monkeypatch):
    monkeypatch.setenv("STRIPE_EMU_DB", str(tmp_path / "module.db"))
    code = ("import os, stripe_emu.wsgi as w\n"
            "first = w._app(); assert w._app() is first\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    os._exit(0 if w._app() is not first else 1)\n"
            "assert os.waitpid(pid, 0)[1] == 0\n"
            "print(first.store.path)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tmp_path / "module.db")
