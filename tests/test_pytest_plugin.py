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

# The apps themselves, not their id()s: a freed app's id may be reused by the next one.
APPS = []


def test_client_talks_to_the_app(stripe_client, stripe_emu_app, stripe_emu_api_key):
    APPS.append(stripe_emu_app)
    created = stripe_client.v1.customers.create(params={"email": "a@example.com"})
    assert stripe_client.v1.customers.retrieve(created.id).email == "a@example.com"
    assert stripe_emu_api_key.startswith("sk_test_")
    assert stripe_emu_app.recent_requests[-1]["path"] == "/v1/customers/" + created.id


def test_each_test_starts_with_an_empty_account(stripe_client, stripe_emu_app):
    APPS.append(stripe_emu_app)
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
    print("\\ndistinct apps:", len({id(app) for app in test_inner.APPS}))
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


MODULE_STYLE_TESTS = """
import stripe

BEFORE = (stripe.api_key, stripe.default_http_client)


def test_module_level_calls_reach_the_emulator(stripe_emu_module, stripe_emu_app):
    customer = stripe.Customer.create(email="jenny@example.com")
    assert stripe.Customer.retrieve(customer.id).email == "jenny@example.com"
    assert stripe_emu_module is stripe
    assert stripe_emu_app.recent_requests[-1]["path"] == "/v1/customers/" + customer.id


def test_the_module_is_restored_after_the_test():
    assert (stripe.api_key, stripe.default_http_client) == BEFORE


def test_each_test_gets_its_own_account(stripe_emu_module):
    assert stripe.Customer.list().data == []
"""


def test_module_style_fixture_points_stripe_at_the_emulator_and_restores_it(pytester,
                                                                           monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_module_style=MODULE_STYLE_TESTS)
    result = pytester.runpytest_subprocess(*_plugin_args())
    result.assert_outcomes(passed=3)


PAIRED_TESTS = """
import stripe
from stripe_emu import testing

PK, SK = "pk_test_51AbcDEFghiQ", "sk_test_51AbcDEFghiZ"


def test_keys_paired_in_the_ini_file_share_an_account(stripe_emu_app):
    browser = testing.stripe_client(stripe_emu_app, PK)
    token = browser.v1.tokens.create(params={"card": {
        "number": "4242424242424242", "exp_month": "12", "exp_year": "2040", "cvc": "123"}})
    server = testing.stripe_client(stripe_emu_app, SK)
    customer = server.v1.customers.create(params={"source": token.id})
    assert customer.default_source == token.card.id
    try:
        testing.stripe_client(stripe_emu_app, "sk_test_51AbcDEFghiQ").v1.customers.list()
    except stripe.AuthenticationError:
        pass
    else:
        raise AssertionError("the publishable key's suffix reached the paired account")
"""


@pytest.mark.parametrize("where", ["ini", "option"])
def test_paired_accounts_from_the_ini_file_or_the_command_line(pytester, monkeypatch, where):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_paired=PAIRED_TESTS)
    pair = "shop=pk_test_51AbcDEFghiQ,sk_test_51AbcDEFghiZ"
    if where == "ini":
        pytester.makeini(f"[pytest]\nstripe_emu_accounts =\n    {pair}\n")
        result = pytester.runpytest_subprocess(*_plugin_args())
    else:
        result = pytester.runpytest_subprocess(*_plugin_args(), "--stripe-emu-account", pair)
    result.assert_outcomes(passed=1)


# The README's way to run the fixtures with paired keys: override stripe_emu_api_key.
PAIRED_KEY_CONFTEST = """
import pytest


@pytest.fixture
def stripe_emu_api_key():
    return "sk_test_51AbcDEFghiZ"
"""

PAIRED_FIXTURE_TESTS = """
from stripe_emu import testing


def test_the_fixtures_act_for_the_paired_account(stripe_emu_app, stripe_client,
                                                 stripe_emu_module):
    browser = testing.stripe_client(stripe_emu_app, "pk_test_51AbcDEFghiQ")
    token = browser.v1.tokens.create(params={"card": {
        "number": "4242424242424242", "exp_month": "12", "exp_year": "2040", "cvc": "123"}})
    customer = stripe_client.v1.customers.create(params={"source": token.id})
    assert stripe_emu_module.Customer.retrieve(customer.id).default_source == token.card.id
"""


def test_overriding_the_key_fixture_gives_the_fixtures_a_paired_key(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeini("[pytest]\nstripe_emu_accounts =\n"
                     "    shop=pk_test_51AbcDEFghiQ,sk_test_51AbcDEFghiZ\n")
    pytester.makeconftest(PAIRED_KEY_CONFTEST)
    pytester.makepyfile(test_paired_fixtures=PAIRED_FIXTURE_TESTS)
    pytester.runpytest_subprocess(*_plugin_args()).assert_outcomes(passed=1)
    # Without the pairing, the secret key is an account of its own, the token not in it.
    pytester.makeini("[pytest]\n")
    pytester.runpytest_subprocess(*_plugin_args()).assert_outcomes(failed=1)
