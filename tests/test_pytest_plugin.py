"""The pytest plugin: its fixtures inside a real inner pytest run, the shared-database option,
its entry point, and that loading it imports nothing heavy."""
import configparser
import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
pytest.importorskip("stripe")

ROOT = Path(__file__).resolve().parent.parent

INNER_TESTS = """
import stripe

APPS = set()


def test_client_talks_to_the_app(stripe_client, stripe_emu_app, stripe_emu_api_key):
    APPS.add(id(stripe_emu_app))
    created = stripe_client.v1.customers.create(params={"email": "a@example.com"})
    assert stripe_client.v1.customers.retrieve(created.id).email == "a@example.com"
    assert stripe_emu_api_key.startswith("sk_test_")
    assert stripe_emu_app.recent_requests[-1]["path"] == "/v1/customers/" + created.id


def test_each_test_starts_with_an_empty_account(stripe_client, stripe_emu_app):
    APPS.add(id(stripe_emu_app))
    assert stripe_client.v1.customers.list().data == []
    stripe_client.v1.customers.create()


def test_url_serves_the_same_app(stripe_emu_url, stripe_emu_api_key, stripe_client):
    created = stripe_client.v1.customers.create(params={"email": "b@example.com"})
    other = stripe.StripeClient(stripe_emu_api_key, base_addresses={"api": stripe_emu_url})
    assert other.v1.customers.retrieve(created.id).email == "b@example.com"
"""

# Prints how many distinct emulators the tests saw once the session is over.
INNER_CONFTEST = """
def pytest_sessionfinish(session):
    import test_inner
    print("\\ndistinct apps:", len(test_inner.APPS))
"""


def _plugin_args():
    """Load the plugin by its module name, unless it is installed (then its entry point
    already loads it, and loading it twice is an error)."""
    installed = any(ep.value == "stripe_emu.pytest_plugin"
                    for ep in importlib.metadata.entry_points(group="pytest11"))
    return [] if installed else ["-p", "stripe_emu.pytest_plugin"]


@pytest.fixture
def run_inner(pytester, monkeypatch):
    """Run the inner tests in a pytest subprocess, with these extra arguments."""
    # The subprocess runs in a temporary directory: it finds stripe_emu on its path, as an
    # installed user's tests would.
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_inner=INNER_TESTS)
    pytester.makeconftest(INNER_CONFTEST)
    return lambda *args: pytester.runpytest_subprocess(*_plugin_args(), "-s", *args)


def test_fixtures_give_each_test_a_fresh_emulator(run_inner):
    result = run_inner()
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*distinct apps: 2*"])


def test_shared_db_option_shares_one_emulator_with_an_account_per_test(run_inner):
    result = run_inner("--stripe-emu-shared-db")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*distinct apps: 1*"])


def test_shared_db_ini_option(pytester, run_inner):
    pytester.makeini("[pytest]\nstripe_emu_shared_db = true\n")
    result = run_inner()
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*distinct apps: 1*"])


def test_entry_point_is_declared():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    entry_points = config["options.entry_points"]["pytest11"].split()
    assert "stripe_emu = stripe_emu.pytest_plugin".split() == entry_points[:3]


def test_loading_the_plugin_imports_nothing_heavy():
    code = ("import sys, stripe_emu.pytest_plugin\n"
            "heavy = [m for m in ('stripe', 'stripe_emu.testing', 'webtest')"
            " if m in sys.modules]\n"
            "from stripe_emu import spec\n"
            "print(heavy, spec.spec.cache_info().currsize)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] 0"  # nor is Stripe's spec read
