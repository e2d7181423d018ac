"""pytest fixtures for stripe_emu, registered through the `pytest11` entry point.

    stripe_emu_app       a fresh in-memory emulator per test (the WSGI app)
    stripe_emu_api_key   a fresh random test key per test: an account of its own
    stripe_client        a stripe.StripeClient with that key, answered by the app in process
    stripe_emu_module    the `stripe` module itself pointed at the app for the test (module-level
                         style: `stripe.Customer.create()`), restored afterwards
    stripe_emu_url       the app served on a free loopback port, for clients in other languages

`--stripe-emu-shared-db` (or `stripe_emu_shared_db = true` in the ini file) makes every test
of the session share one emulator; the tests stay isolated because each gets its own API key,
and accounts never see each other's objects. `--stripe-emu-account NAME=pk_test_…,sk_test_…`
(repeatable; ini `stripe_emu_accounts`, one a line) pairs keys into one account (auth.py).

Loaded into every pytest run once installed, so it imports nothing until a fixture is used.
"""
import pytest


def pytest_addoption(parser):
    group = parser.getgroup("stripe_emu")
    group.addoption("--stripe-emu-shared-db", action="store_true", default=None,
                    help="share one stripe_emu database across the session (each test "
                         "still gets its own API key, hence its own account)")
    parser.addini("stripe_emu_shared_db", type="bool", default=False,
                  help="share one stripe_emu database across the session")
    group.addoption("--stripe-emu-account", action="append", default=[],
                    metavar="NAME=PK,SK", help="pair these keys into one account, NAME")
    parser.addini("stripe_emu_accounts", type="linelist", default=[],
                  help="paired keys, NAME=pk_test_...,sk_test_... one a line")


def _make_app(config):
    from stripe_emu import make_app
    accounts = config.getini("stripe_emu_accounts") + config.getoption("stripe_emu_account")
    return make_app(db=":memory:", accounts=accounts)


def _shared(config):
    flag = config.getoption("stripe_emu_shared_db")
    return config.getini("stripe_emu_shared_db") if flag is None else flag


@pytest.fixture(scope="session")
def stripe_emu_session_app(pytestconfig):
    """The emulator the session shares with --stripe-emu-shared-db (None without it)."""
    if not _shared(pytestconfig):
        yield None
        return
    app = _make_app(pytestconfig)
    yield app
    app.close()


@pytest.fixture
def stripe_emu_app(stripe_emu_session_app, pytestconfig):
    if stripe_emu_session_app is not None:
        yield stripe_emu_session_app
        return
    app = _make_app(pytestconfig)
    yield app
    app.close()


@pytest.fixture
def stripe_emu_api_key():
    from stripe_emu.testing import random_api_key
    return random_api_key()


@pytest.fixture
def stripe_client(stripe_emu_app, stripe_emu_api_key):
    from stripe_emu.testing import stripe_client
    return stripe_client(stripe_emu_app, stripe_emu_api_key)


@pytest.fixture
def stripe_emu_module(stripe_emu_app, stripe_emu_api_key):
    """`stripe` with its module-level settings (api_key, default_http_client) pointed at the
    emulator in process for this test; the settings it had are put back afterwards."""
    import stripe
    from stripe_emu.testing import InProcessHTTPClient
    saved = stripe.api_key, stripe.default_http_client
    stripe.api_key = stripe_emu_api_key
    stripe.default_http_client = InProcessHTTPClient(stripe_emu_app)
    try:
        yield stripe
    finally:
        stripe.api_key, stripe.default_http_client = saved


@pytest.fixture
def stripe_emu_url(stripe_emu_app):
    from stripe_emu.testing import serve_in_thread
    with serve_in_thread(stripe_emu_app) as url:
        yield url
