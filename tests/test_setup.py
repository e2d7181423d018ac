"""The README's set-up, as a new user runs it: `.ci/run` (the README's test command word for
word, test_readme.py checks) makes a venv, installs stripe_emu with its test dependencies
there, and runs pytest, failing when a test fails or none runs; the install gives the
`stripe-emu` command. Needs the package index, as the README's command does."""
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from conftest import running_server

ROOT = Path(__file__).resolve().parent.parent
IGNORED = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache", "build",
                                 "*.egg-info", "*.db", "*.db-wal", "*.db-shm")


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A clean copy of this checkout (the working tree, as CI's clone would hold it)."""
    copy = tmp_path_factory.mktemp("clone") / "stripe_emu"
    shutil.copytree(ROOT, copy, ignore=IGNORED)
    return copy


def _ci(clone, *pytest_args):
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS")}
    return subprocess.run(["bash", ".ci/run", *pytest_args], cwd=clone, capture_output=True,
                          text=True, timeout=600, env={**env, "CI": "true"})


def test_ci_installs_into_a_venv_and_runs_the_tests(clone):
    done = _ci(clone, "tests/test_docs.py")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout
    venv_python = clone / ".venv" / "bin" / "python"
    # The plugin and the test dependencies live in the venv.
    listed = subprocess.run([str(venv_python), "-c", (
        "import importlib.metadata as m; print(sorted(e.value for e in "
        "m.entry_points(group='pytest11') if e.name == 'stripe_emu'))")],
        capture_output=True, text=True, timeout=60)
    assert listed.stdout.strip() == "['stripe_emu.pytest_plugin']", listed.stderr


def test_the_install_gives_the_stripe_emu_command(clone):
    command = clone / ".venv" / "bin" / "stripe-emu"
    if not command.exists():
        _ci(clone, "tests/test_docs.py")
    shown = subprocess.run([str(command), "serve", "--help"], capture_output=True, text=True,
                           timeout=60)
    assert shown.returncode == 0 and shown.stdout.startswith("usage: stripe-emu serve")
    port = _free_port()
    # Run from elsewhere: the installed package answers, not the clone's directory.
    with running_server([str(command), "serve", "--db", ":memory:", "--port", str(port)], port,
                        cwd=clone.parent):
        pass


def test_ci_fails_when_a_test_fails_or_none_runs(clone):
    (clone / "tests" / "test_broken.py").write_text("def test_broken():\n    assert False\n")
    try:
        failed = _ci(clone, "tests/test_broken.py")
        assert failed.returncode == 1, failed.stdout[-2000:]
        assert "1 failed" in failed.stdout
    finally:
        (clone / "tests" / "test_broken.py").unlink()
    nothing = _ci(clone, "tests/test_docs.py", "-k", "no_test_has_this_name")
    assert nothing.returncode == 5, nothing.stdout[-2000:]
