"""Every example of README.md runs.

- ```python blocks that define tests run through the pytest plugin, once as they are and once
  with the ```ini block; the other ```python blocks run as scripts;
- ```sh blocks run in order, in one directory, against an emulator served there on the port
  written 12111; a block that starts a server (gunicorn, waitress-serve, stripe_emu serve) is
  started on a port of its own, asked for a customer, and stopped.
"""
import contextlib
import importlib.metadata
import json
import os
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from conftest import running_server
from stripe_emu import make_app
from stripe_emu.testing import serve_in_thread

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```$", README, re.M | re.S)
PORT = "12111"
SERVERS = re.compile(r"^(\w+=\S+ )*(gunicorn|waitress-serve|python3? -m stripe_emu serve)\b")
# The interpreter's own scripts first (gunicorn, waitress-serve): in CI it runs from a venv.
ENV = {**os.environ, "PYTHONPATH": str(ROOT),
       "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def _blocks(language, test=None):
    return [code for lang, code in BLOCKS if lang == language
            and (test is None or ("def test_" in code) == test)]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_readme_has_examples_of_every_kind():
    assert len(_blocks("python", test=False)) >= 5 and len(_blocks("python", test=True)) == 1
    assert len(_blocks("ini")) == 1
    assert sum(bool(SERVERS.match(code)) for code in _blocks("sh")) == 4


@pytest.mark.parametrize("code", _blocks("python", test=False),
                         ids=lambda code: code.splitlines()[0][:40])
def test_python_example_runs(code, tmp_path):
    with serve_in_thread() as url:
        code = code.replace(f"http://127.0.0.1:{PORT}", url)
        done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=ENV,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for expected in re.findall(r"# (\[.*\]|cus_\.\.\.)$", code, re.M):
        printed = done.stdout.splitlines()
        assert any(line == expected or (expected == "cus_..." and line.startswith("cus_"))
                   for line in printed), (expected, printed)


@pytest.mark.parametrize("with_ini", [False, True])
def test_pytest_examples_pass_through_the_plugin(pytester, monkeypatch, with_ini):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    [tests] = _blocks("python", test=True)
    pytester.makepyfile(test_readme_examples=tests)
    if with_ini:
        pytester.makeini(_blocks("ini")[0])
    # Loaded by its entry point once installed, by name otherwise (not both: an error).
    installed = any(ep.value == "stripe_emu.pytest_plugin"
                    for ep in importlib.metadata.entry_points(group="pytest11"))
    result = pytester.runpytest_subprocess(*([] if installed else
                                             ["-p", "stripe_emu.pytest_plugin"]))
    result.assert_outcomes(passed=tests.count("def test_"))


def _json_documents(text):
    decoder, documents, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        document, at = decoder.raw_decode(text, at)
        documents.append(document)
    return documents


def _get(port, path, key=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


@contextlib.contextmanager
def _started(command, directory):
    port = _free_port()
    command = command.replace(PORT, str(port))
    if "stripe_emu serve" in command and "--port" not in command:
        command += f" --port {port}"
    tool = SERVERS.match(command).group(2).split()[0]
    if tool != "python" and subprocess.run(["which", tool], capture_output=True,
                                           env=ENV).returncode:
        pytest.skip(f"{tool} is not installed")
    assignments, command = re.fullmatch(r"((?:\w+=\S+ )*)(.*)", command).groups()
    env = {**ENV, **dict(pair.split("=", 1) for pair in assignments.split())}
    with running_server(["bash", "-c", "exec " + command], port, cwd=directory, env=env):
        yield port


def test_shell_examples_run_in_order(tmp_path):
    app = make_app(db=str(tmp_path / "stripe_emu.db"))
    try:
        with serve_in_thread(app) as url:
            port = url.rsplit(":", 1)[1]
            for code in _blocks("sh"):
                if SERVERS.match(code):
                    with _started(code.strip(), tmp_path) as server_port:
                        customers = _get(server_port, "/v1/customers", "sk_test_abc")["data"]
                        if "--seed fixture.json" in code:
                            assert [c["email"] for c in customers] == [
                                "joe@example.com", "jenny@example.com"]
                        if "--account shop=" in code:
                            assert _get(server_port, "/v1/customers",
                                        "sk_test_51AbcDEFghiZ")["data"] == []
                    continue
                done = subprocess.run(["bash", "-e", "-c", code.replace(PORT, port)],
                                      cwd=tmp_path, env=ENV, capture_output=True, text=True,
                                      timeout=60)
                assert done.returncode == 0, (code, done.stderr)
                for document in _json_documents(done.stdout if "curl" in code else ""):
                    assert "error" not in document, (code, document)
        assert (tmp_path / "snapshot.json").exists() and (tmp_path / "fixture.json").exists()
    finally:
        app.close()


def _indented_commands():
    """The commands of the README's indented blocks (those outside ``` fences)."""
    commands, fenced = [], False
    for line in README.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("    ") and line.strip():
            commands.append(line.strip())
    return commands


def test_indented_commands_run(tmp_path):
    """Each indented command runs here, but the test command: .ci/run runs it word for word
    (tests/test_setup.py runs .ci/run)."""
    commands = _indented_commands()
    assert len(commands) >= 4
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = [c for c in commands if "-m pytest" in c]
    assert len(test_command) == 1 and test_command[0] + ' "$@"' in ci.splitlines()
    printed = ""
    with serve_in_thread() as url:
        port = url.rsplit(":", 1)[1]
        for command in commands:
            if command in test_command:
                continue
            if SERVERS.match(command):
                with _started(command, tmp_path) as server_port:
                    assert _get(server_port, "/v1/customers", "sk_test_abc")["data"] == []
                continue
            assert command.startswith("curl "), f"no test runs this README command: {command}"
            created = re.search(r'"id": "(cus_\w+)"', printed)
            if created:
                command = command.replace("cus_XXXX", created.group(1))
            done = subprocess.run(["bash", "-e", "-c", command.replace(PORT, port)],
                                  cwd=tmp_path, env=ENV, capture_output=True, text=True,
                                  timeout=60)
            assert done.returncode == 0, (command, done.stderr)
            assert "error" not in json.loads(done.stdout), (command, done.stdout)
            printed = done.stdout
