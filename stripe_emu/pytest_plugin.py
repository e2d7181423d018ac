"""pytest fixtures for stripe_emu, registered through the `pytest11` entry point.

    stripe_emu_app       a fresh in-memory emulator per test (the WSGI app)
    stripe_emu_api_key   a fresh random test key per test: an account of its own
    stripe_client        a stripe.StripeClient with that key, answered by the app in process
    stripe_emu_url       the app served on a free loopback port, for clients in other languages

`--stripe-emu-shared-db` (or `stripe_emu_shared_db = true` in the ini file) makes every test
of the session share one emulator; the tests stay isolated because each gets its own API key,
and accounts never see each other's objects.

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


def _shared(config):
    flag = config.getoption("stripe_emu_shared_db")
    return config.getini("stripe_emu_shared_db") if flag is None else flag


@pytest.fixture(scope="session")
def stripe_emu_session_app(pytestconfig):
    """The emulator the session shares with --stripe-emu-shared-db (None without it)."""
    if not _shared(pytestconfig):
        yield None
        return
    from stripe_emu import make_app
    app = make_app(db=":memory:")
    yield app
    app.close()


@pytest.fixture
def stripe_emu_app(stripe_emu_session_app):
    if stripe_emu_session_app is not None:
        yield stripe_emu_session_app
        return
    from stripe_emu import make_app
    app = make_app(db=":memory:")
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
def stripe_emu_url(stripe_emu_app):
    from stripe_emu.testing import serve_in_thread
    with serve_in_thread(stripe_emu_app) as url:
        yield url
